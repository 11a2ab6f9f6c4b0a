#pragma once

#include <string_view>

#include "common/status.h"
#include "sql/ast.h"

namespace sluice::sql {

// The InvalidArgument Status for a syntax error at `pos` of `source`:
//
//   line 3:14: expected ',' or ')' after column price of CREATE TABLE bids, found STRING
//     price BIGINT STRING,
//                  ^
//
// The first line is `message` prefixed with the position; the next two show
// the offending line (a window of it when long) and a caret under the column.
Status SyntaxError(std::string_view source, SourcePos pos, std::string_view message);

}  // namespace sluice::sql
