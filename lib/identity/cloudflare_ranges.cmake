# Embeds the project's copies of the Cloudflare range lists (data/cloudflare-ips-v4.txt, -v6.txt)
# into doorman_identity as string constants, so the binary needs no data file at run time.
# Editing a list re-runs CMake (CMAKE_CONFIGURE_DEPENDS) and rebuilds the generated source.
set(_cf_v4_file ${CMAKE_SOURCE_DIR}/data/cloudflare-ips-v4.txt)
set(_cf_v6_file ${CMAKE_SOURCE_DIR}/data/cloudflare-ips-v6.txt)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_cf_v4_file} ${_cf_v6_file})
file(READ ${_cf_v4_file} DOORMAN_CLOUDFLARE_V4_TEXT)
file(READ ${_cf_v6_file} DOORMAN_CLOUDFLARE_V6_TEXT)
configure_file(${CMAKE_SOURCE_DIR}/lib/identity/cloudflare_ranges_data.cc.in
               ${CMAKE_BINARY_DIR}/generated/cloudflare_ranges_data.cc @ONLY)
target_sources(doorman_identity PRIVATE ${CMAKE_BINARY_DIR}/generated/cloudflare_ranges_data.cc)
