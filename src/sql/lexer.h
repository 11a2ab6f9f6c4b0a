#pragma once

#include <string_view>
#include <vector>

#include "common/result.h"
#include "sql/token.h"

namespace sluice::sql {

// Splits Flink-dialect SQL into tokens, ending with one TokenType::kEnd.
// Skips whitespace, `-- line` and `/* block */` comments (so Flink hints
// `/*+ OPTIONS(..) */` are accepted and ignored). Decodes '' inside strings
// and `` inside backquoted identifiers. Linear in the input.
//
// Errors (InvalidArgument, with line:column): an unterminated string,
// identifier or comment, an empty `` identifier, a malformed number or hex
// string, a character that starts no token.
//
// The tokens' `text` views point into `source`, which must outlive them.
Result<std::vector<Token>> Tokenize(std::string_view source);

}  // namespace sluice::sql
