#include "connectors/partition_path.h"

#include <fmt/format.h>

#include <cctype>

#include "engine/expression.h"

namespace sluice::connectors {
namespace {

bool NeedsEscape(unsigned char c) {
  if (c < 0x20 || c == 0x7f) return true;
  switch (c) {
    case '"':
    case '#':
    case '%':
    case '\'':
    case '*':
    case '/':
    case ':':
    case '=':
    case '?':
    case '[':
    case '\\':
    case ']':
    case '^':
    case '{':
    case '}': return true;
    default: return false;
  }
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void AppendEscapedPathName(std::string_view value, std::string* out) {
  if (value.empty()) {
    out->append(kDefaultPartitionName);
    return;
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (!NeedsEscape(c)) {
      out->push_back(ch);
      continue;
    }
    out->push_back('%');
    out->push_back(kHex[c >> 4]);
    out->push_back(kHex[c & 15]);
  }
}

std::string UnescapePathName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '%' && i + 2 < name.size()) {
      const int hi = HexDigit(name[i + 1]), lo = HexDigit(name[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(name[i]);
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> ParsePartitionPath(std::string_view relative_dir) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!relative_dir.empty()) {
    const size_t slash = relative_dir.find('/');
    std::string_view part = relative_dir.substr(0, slash);
    relative_dir = slash == std::string_view::npos ? std::string_view() : relative_dir.substr(slash + 1);
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      if (relative_dir.empty()) break;  // the file's own name
      return Status::InvalidArgument(
          fmt::format("directory '{}' is not a partition directory (name=value)", std::string(part)));
    }
    std::string value = UnescapePathName(part.substr(eq + 1));
    if (value == kDefaultPartitionName) value.clear();
    out.emplace_back(UnescapePathName(part.substr(0, eq)), std::move(value));
  }
  return out;
}

Result<int64_t> ExtractPartitionTime(const std::vector<std::pair<std::string, std::string>>& values,
                                     std::string_view pattern, std::string_view formatter) {
  std::string text;
  if (pattern.empty()) {
    if (!values.empty()) text = values.front().second;
  } else {
    for (size_t i = 0; i < pattern.size(); ++i) {
      if (pattern[i] != '$') {
        text.push_back(pattern[i]);
        continue;
      }
      size_t j = i + 1;
      while (j < pattern.size() && (std::isalnum(static_cast<unsigned char>(pattern[j])) || pattern[j] == '_')) ++j;
      std::string_view name = pattern.substr(i + 1, j - i - 1);
      bool found = false;
      for (const auto& [k, v] : values) {
        if (k == name) {
          text += v;
          found = true;
          break;
        }
      }
      if (!found) {
        return Status::InvalidArgument(fmt::format(
            "'partition.time-extractor.timestamp-pattern' = '{}' names ${}, which is not a partition column",
            std::string(pattern), std::string(name)));
      }
      i = j - 1;
    }
  }
  int64_t ms = 0;
  const bool ok =
      formatter.empty() ? engine::ParseTimestamp(text, &ms) : engine::ParseTimestampFormat(text, formatter, &ms);
  if (!ok) {
    return Status::InvalidArgument(
        fmt::format("partition time '{}' (from 'partition.time-extractor.timestamp-pattern' = '{}') is not a "
                    "timestamp{}; write a pattern giving 'yyyy-MM-dd HH:mm:ss', e.g. '$dt $hm:00', or set "
                    "'partition.time-extractor.timestamp-formatter'",
                    text, std::string(pattern), formatter.empty() ? "" : fmt::format(" in '{}'", formatter)));
  }
  return ms;
}

}  // namespace sluice::connectors
