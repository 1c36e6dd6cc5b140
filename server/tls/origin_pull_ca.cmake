# Embeds the project's copy of the Cloudflare zone-level origin-pull CA
# (data/cloudflare-origin-pull-ca.pem) into doorman_server as a string constant, so
# `client_auth = "cloudflare"` needs no data file at run time (like the bundled range lists,
# lib/identity/cloudflare_ranges.cmake). Editing the file re-runs CMake.
set(_origin_pull_ca_file ${CMAKE_SOURCE_DIR}/data/cloudflare-origin-pull-ca.pem)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_origin_pull_ca_file})
file(READ ${_origin_pull_ca_file} DOORMAN_ORIGIN_PULL_CA_PEM)
configure_file(${CMAKE_SOURCE_DIR}/server/tls/origin_pull_ca_data.cc.in
               ${CMAKE_BINARY_DIR}/generated/origin_pull_ca_data.cc @ONLY)
target_sources(doorman_server PRIVATE ${CMAKE_BINARY_DIR}/generated/origin_pull_ca_data.cc)
