#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace sluice::connectors {

// Hive/Flink partition directories: `<path>/dt=2026-01-01/hm=10%3A00/part-...`.
// A value is escaped as Flink's PartitionPathUtils.escapePathName does
// (Hive's FileUtils): control characters and " # % ' * / : = ? [ \ ] ^ { }
// (and DEL) become %XX (upper-case hex); everything else stays. NULL or an
// empty string is the default partition name, `__DEFAULT_PARTITION__`
// (Flink's 'partition.default-name').
inline constexpr std::string_view kDefaultPartitionName = "__DEFAULT_PARTITION__";

// Appends `value` escaped to *out.
void AppendEscapedPathName(std::string_view value, std::string* out);
// Undoes AppendEscapedPathName (a '%' not followed by two hex digits stays).
std::string UnescapePathName(std::string_view name);

// The partition values named by a file's directory below the table's root,
// e.g. "dt=2026-01-01/hm=10%3A00" (or ".../part-0.csv": the file name,
// without '=', is skipped) → {dt: "2026-01-01", hm: "10:00"}, unescaped.
// A directory without '=' is an error (the layout is not a partitioned one).
Result<std::vector<std::pair<std::string, std::string>>> ParsePartitionPath(std::string_view relative_dir);

// 'partition.time-extractor.timestamp-pattern' (e.g. "$dt $hm:00"): each
// $name replaced by that partition column's value. Without a pattern the
// first partition value is the timestamp (Flink's default extractor).
// The text is then read as a timestamp: with `formatter` (Java
// DateTimeFormatter letters, 'partition.time-extractor.timestamp-formatter')
// when given, else "yyyy-MM-dd HH:mm:ss[.SSS]" or "yyyy-MM-dd". Returns
// epoch milliseconds (UTC) or InvalidArgument naming the text and pattern.
Result<int64_t> ExtractPartitionTime(const std::vector<std::pair<std::string, std::string>>& values,
                                     std::string_view pattern, std::string_view formatter);

}  // namespace sluice::connectors
