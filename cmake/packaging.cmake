# `make deb`: a Debian package built by CPack from the release build (docs/operations.md):
#   /usr/bin/doorman, /etc/doorman/doorman.toml (conffile), /lib/systemd/system/doorman.service,
#   /usr/share/doc/doorman/ (docs, copyright, changelog), the lintian overrides.
# The unit goes to /lib/systemd/system: Debian 12's systemd and lintian expect it there.
include(GNUInstallDirs)

# A placeholder address in a reserved TLD (lintian wants a mail domain): set the real one with
# -DDOORMAN_DEB_MAINTAINER="Name <mail>" when publishing packages.
set(DOORMAN_DEB_MAINTAINER "doorman maintainers <maintainers@doorman.example>"
    CACHE STRING "Maintainer field of the .deb (and its changelog)")

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
# At configure time, not as a build target: cpack installs from the tree as it is, and a build of
# only some targets (doorman_bin) must still leave a complete package.
execute_process(COMMAND gzip -9nf ${CMAKE_BINARY_DIR}/packaging/changelog -c
                OUTPUT_FILE ${CMAKE_BINARY_DIR}/packaging/changelog.gz COMMAND_ERROR_IS_FATAL ANY)
install(FILES ${CMAKE_BINARY_DIR}/packaging/changelog.gz DESTINATION share/doc/doorman)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME doorman)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "${DOORMAN_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "front-door reverse proxy that knows the real client IP")
# One string (not a CMake list, whose ';' would show up in the field); CPack puts the summary
# above it as the synopsis and indents each line.
string(CONCAT CPACK_DEBIAN_PACKAGE_DESCRIPTION
       "doorman sits in front of your app behind Cloudflare, Fastly, a front proxy or\n"
       "an L4 load balancer. It decides who the client really is, trusting forwarding\n"
       "headers and the PROXY protocol only from peers allowed to write them, and\n"
       "hands the app one clean contract: X-Forwarded-For, X-Forwarded-Proto and\n"
       "X-Request-ID.")
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
