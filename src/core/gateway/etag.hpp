#pragma once
// Entity tags of file versions: a version's bytes never change (a put makes a new version),
// so the version number and its chunks' CRC32Cs name its content. Strong tags.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dfs::gateway {

// "\"v<version>-<16 hex digits>\"": FNV-1a over size and chunk CRCs.
std::string make_etag(uint64_t version, uint64_t size_bytes, const std::vector<uint32_t>& crcs);

// Does an If-None-Match header (a list of tags, or *) match `etag`?
bool etag_matches(std::string_view if_none_match, std::string_view etag);

}  // namespace dfs::gateway
