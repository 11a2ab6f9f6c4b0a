#include "sql/fuzz/parse_fuzz_entry.h"

#include <fmt/format.h>

#include <string>

#include "sql/parser.h"
#include "sql/unparser.h"

namespace sluice::sql {
namespace {

Status CheckError(const Status& s, std::string_view what) {
  if (s.code() != StatusCode::kInvalidArgument) {
    return Status::Internal(fmt::format("{} failed with {} instead of InvalidArgument", what, s.ToString()));
  }
  if (s.message().rfind("line ", 0) != 0) {
    return Status::Internal(fmt::format("{} error does not start with line:column: {}", what, s.message()));
  }
  return Status::Ok();
}

template <typename Tree, typename ParseFn>
Status CheckRoundTrip(std::string_view input, ParseFn parse, std::string_view what) {
  Result<Tree> first = parse(input);
  if (!first.ok()) return CheckError(first.status(), what);
  std::string text1 = Unparse(*first.value());
  Result<Tree> second = parse(text1);
  if (!second.ok()) {
    return Status::Internal(
        fmt::format("{}: unparsed text does not parse again: {}\ntext: {}", what, second.status().message(), text1));
  }
  std::string text2 = Unparse(*second.value());
  if (text1 != text2) {
    return Status::Internal(
        fmt::format("{}: print -> parse -> print is not a fixpoint:\n  {}\n  {}", what, text1, text2));
  }
  return Status::Ok();
}

}  // namespace

Status CheckParseProperties(std::string_view input) {
  // Script holds its statements by value; wrap it so both paths deref alike.
  Status s = CheckRoundTrip<std::unique_ptr<Script>>(
      input,
      [](std::string_view sql) -> Result<std::unique_ptr<Script>> {
        Result<Script> r = ParseScript(sql);
        if (!r.ok()) return r.status();
        return std::make_unique<Script>(std::move(r).value());
      },
      "ParseScript");
  if (!s.ok()) return s;
  return CheckRoundTrip<ExprPtr>(
      input, [](std::string_view sql) { return ParseExpression(sql); }, "ParseExpression");
}

}  // namespace sluice::sql
