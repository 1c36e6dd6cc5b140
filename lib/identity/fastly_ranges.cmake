# Embeds the project's copy of Fastly's public IP list (data/fastly-ips.txt, from
# https://api.fastly.com/public-ip-list) into doorman_identity, like cloudflare_ranges.cmake.
set(_fastly_file ${CMAKE_SOURCE_DIR}/data/fastly-ips.txt)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_fastly_file})
file(READ ${_fastly_file} DOORMAN_FASTLY_TEXT)
configure_file(${CMAKE_SOURCE_DIR}/lib/identity/fastly_ranges_data.cc.in
               ${CMAKE_BINARY_DIR}/generated/fastly_ranges_data.cc @ONLY)
target_sources(doorman_identity PRIVATE ${CMAKE_BINARY_DIR}/generated/fastly_ranges_data.cc)
