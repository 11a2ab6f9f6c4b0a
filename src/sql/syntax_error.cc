#include "sql/syntax_error.h"

#include <fmt/format.h>

#include <string>
#include <vector>

namespace sluice::sql {
namespace {

// Characters of the snippet shown either side of the caret on a long line.
constexpr size_t kSnippetHalfWidth = 60;

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The text of 1-based line `line` of `source`, without its line break.
std::string_view LineText(std::string_view source, uint32_t line) {
  size_t start = 0;
  for (uint32_t l = 1; l < line; ++l) {
    size_t nl = source.find('\n', start);
    if (nl == std::string_view::npos) return {};
    start = nl + 1;
  }
  size_t end = source.find('\n', start);
  std::string_view text = source.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  // The lexer skips a leading byte-order mark; columns do not count it.
  constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
  if (line == 1 && text.substr(0, kUtf8Bom.size()) == kUtf8Bom) text.remove_prefix(kUtf8Bom.size());
  return text;
}

}  // namespace

Status SyntaxError(std::string_view source, SourcePos pos, std::string_view message) {
  std::string out = fmt::format("line {}:{}: {}", pos.line, pos.column, message);
  std::string_view text = LineText(source, pos.line);
  // Byte offset of every character start, so the caret lands under the
  // column even with multi-byte UTF-8 before it.
  std::vector<size_t> starts;
  for (size_t i = 0; i < text.size(); ++i) {
    if (!IsContinuationByte(text[i])) starts.push_back(i);
  }
  size_t caret = pos.column > 0 ? pos.column - 1 : 0;
  size_t first = caret > kSnippetHalfWidth ? caret - kSnippetHalfWidth : 0;
  size_t last = std::min(starts.size(), caret + kSnippetHalfWidth);
  std::string snippet;
  std::string marker;
  if (first > 0) {
    snippet += "...";
    marker += "   ";
  }
  if (first < last) {
    size_t begin = starts[first];
    size_t end = last < starts.size() ? starts[last] : text.size();
    snippet.append(text.substr(begin, end - begin));
  }
  if (last < starts.size()) snippet += "...";
  for (size_t i = first; i < caret; ++i) {
    // Keep tabs so the caret lines up with the line above it.
    marker += (i < starts.size() && text[starts[i]] == '\t') ? '\t' : ' ';
  }
  marker += '^';
  out += "\n  ";
  out += snippet;
  out += "\n  ";
  out += marker;
  return Status::InvalidArgument(std::move(out));
}

}  // namespace sluice::sql
