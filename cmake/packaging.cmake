# `make deb`: a Debian package built by CPack from the release build (docs/operations.md):
#   /usr/bin/doorman, /etc/doorman/doorman.toml (conffile), /lib/systemd/system/doorman.service,
#   /usr/share/doc/doorman/ (docs, copyright, changelog), the lintian overrides.
# The unit goes to /lib/systemd/system: Debian 12's systemd and lintian expect it there.
include(GNUInstallDirs)

install(TARGETS doorman_bin RUNTIME DESTINATION bin)
install(FILES packaging/doorman.toml DESTINATION /etc/doorman PERMISSIONS OWNER_READ OWNER_WRITE
        GROUP_READ WORLD_READ)
install(FILES packaging/doorman.service DESTINATION /lib/systemd/system)
install(FILES README.md docs/operations.md docs/config.md docs/client-ip.md docs/logs.md
              docs/cloudflare.md docs/limits.md docs/proxy-protocol.md
        DESTINATION share/doc/doorman)
install(FILES packaging/debian/copyright DESTINATION share/doc/doorman)
install(FILES packaging/debian/lintian-overrides DESTINATION share/lintian/overrides
        RENAME doorman)

# Debian wants the changelog gzipped with -n (no name/time: reproducible).
string(TIMESTAMP DOORMAN_DEB_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
set(DOORMAN_DEB_VERSION ${PROJECT_VERSION})
set(DOORMAN_DEB_COMMIT "${DOORMAN_COMMIT}")
if(DOORMAN_DEB_COMMIT STREQUAL "")
  set(DOORMAN_DEB_COMMIT "HEAD")
endif()
configure_file(packaging/debian/changelog ${CMAKE_BINARY_DIR}/packaging/changelog @ONLY)
add_custom_command(
  OUTPUT ${CMAKE_BINARY_DIR}/packaging/changelog.gz
  COMMAND gzip -9nc ${CMAKE_BINARY_DIR}/packaging/changelog > ${CMAKE_BINARY_DIR}/packaging/changelog.gz
  DEPENDS ${CMAKE_BINARY_DIR}/packaging/changelog)
add_custom_target(doorman_deb_changelog ALL DEPENDS ${CMAKE_BINARY_DIR}/packaging/changelog.gz)
install(FILES ${CMAKE_BINARY_DIR}/packaging/changelog.gz DESTINATION share/doc/doorman)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME doorman)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "doorman maintainers <doorman@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "front-door reverse proxy that knows the real client IP")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "front-door reverse proxy that knows the real client IP\n"
    " doorman sits in front of your app behind Cloudflare, Fastly, a front proxy or an L4\n"
    " load balancer. It decides who the client really is, trusting forwarding headers and\n"
    " the PROXY protocol only from peers allowed to write them, and hands the app one clean\n"
    " contract: X-Forwarded-For, X-Forwarded-Proto and X-Request-ID.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION httpd)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends from dpkg-shlibdeps (dpkg-dev)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_SOURCE_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
    GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
# CPack's md5sums and ownership (root:root via fakeroot-like tar) are the defaults.
include(CPack)
