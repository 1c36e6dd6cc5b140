// CRC32C (Castagnoli, polynomial 0x1EDC6F41 reflected as 0x82F63B78), as used by the PROXY
// protocol v2 PP2_TYPE_CRC32C TLV (PROXY spec §2.2.3, which points at RFC 4960 Appendix B).
//
// Contract:
// - crc32c(data) is the standard CRC32C of data: crc32c("123456789") == 0xE3069283.
// - Chaining: crc32c(b, crc32c(a)) == crc32c(a ++ b), so a message can be summed in pieces (the
//   PROXY decoder sums the header around the zeroed checksum field this way).
// - crc32c() uses the SSE4.2 crc32 instruction when the CPU has it (checked once at run time)
//   and a portable table otherwise; both are exposed so tests can check each against the same
//   vectors.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <span>

namespace doorman {

// The CRC32C of data, continuing from `crc` (the CRC32C of the preceding bytes; 0 to start).
uint32_t crc32c(std::span<const uint8_t> data, uint32_t crc = 0);

// The portable (slicing-by-8 table) implementation.
uint32_t crc32c_portable(std::span<const uint8_t> data, uint32_t crc = 0);

// Whether this CPU has the SSE4.2 crc32 instruction (always false off x86-64).
bool crc32c_hardware_available();

// The SSE4.2 implementation. REQUIRES: crc32c_hardware_available().
uint32_t crc32c_hardware(std::span<const uint8_t> data, uint32_t crc = 0);

}  // namespace doorman
