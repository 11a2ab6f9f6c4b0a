#include "sql/lexer.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string>

#include "sql/syntax_error.h"

namespace sluice::sql {
namespace {

struct KeywordEntry {
  std::string_view name;
  Keyword keyword;
  Reservation reservation;
};

constexpr KeywordEntry kKeywordTable[] = {
#define SLUICE_SQL_KEYWORD_ENTRY(name, reservation) {#name, Keyword::k##name, Reservation::reservation},
    SLUICE_SQL_KEYWORDS(SLUICE_SQL_KEYWORD_ENTRY)
#undef SLUICE_SQL_KEYWORD_ENTRY
};

// The longest keyword; longer words are never looked up.
constexpr size_t kMaxKeywordLength = 24;

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
bool IsIdentPart(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9') || c == '$'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::string PrintableChar(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7F) return fmt::format("'{}'", c);
  return fmt::format("byte 0x{:02X}", u);
}

// Walks the source once, tracking line and column (in characters).
class Lexer {
 public:
  explicit Lexer(std::string_view source) : src_(source) {}

  Result<std::vector<Token>> Run() {
    std::vector<Token> tokens;
    // Editors on Windows start UTF-8 files with a byte-order mark; it is not
    // part of the SQL and must not glue itself to the first keyword.
    constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
    if (src_.substr(0, kUtf8Bom.size()) == kUtf8Bom) i_ = kUtf8Bom.size();
    for (;;) {
      Status s = SkipSpaceAndComments();
      if (!s.ok()) return s;
      Token token;
      token.pos = Pos();
      size_t start = i_;
      if (i_ >= src_.size()) {
        if (in_hint_) return Error(Pos(), "unterminated hint: '/*+' has no closing '*/'");
        token.type = TokenType::kEnd;
        tokens.push_back(std::move(token));
        return tokens;
      }
      s = LexOne(&token);
      if (!s.ok()) return s;
      token.text = src_.substr(start, i_ - start);
      tokens.push_back(std::move(token));
    }
  }

 private:
  SourcePos Pos() const { return SourcePos{line_, column_}; }
  char At(size_t k) const { return i_ + k < src_.size() ? src_[i_ + k] : '\0'; }

  // Advances one byte, keeping line:column in characters.
  void Advance() {
    char c = src_[i_++];
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++column_;
    }
  }
  void Advance(size_t n) {
    for (size_t k = 0; k < n; ++k) Advance();
  }

  Status Error(SourcePos pos, std::string_view message) const { return SyntaxError(src_, pos, message); }

  Status SkipSpaceAndComments() {
    for (;;) {
      char c = At(0);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        Advance();
      } else if (c == '-' && At(1) == '-') {
        while (i_ < src_.size() && src_[i_] != '\n') Advance();
      } else if (c == '/' && At(1) == '*' && At(2) == '+' && !in_hint_) {
        return Status::Ok();  // a hint: its tokens are lexed (LexOne)
      } else if (c == '/' && At(1) == '*') {
        SourcePos start = Pos();
        Advance(2);
        for (;;) {
          if (i_ >= src_.size()) return Error(start, "unterminated comment: '/*' has no closing '*/'");
          if (At(0) == '*' && At(1) == '/') {
            Advance(2);
            break;
          }
          Advance();
        }
      } else {
        return Status::Ok();
      }
    }
  }

  Status LexOne(Token* t) {
    char c = At(0);
    if ((c == 'x' || c == 'X') && At(1) == '\'') return LexBinaryString(t);
    if (IsIdentStart(c)) {
      size_t start = i_;
      while (i_ < src_.size() && IsIdentPart(src_[i_])) Advance();
      t->type = TokenType::kWord;
      t->value = std::string(src_.substr(start, i_ - start));
      t->keyword = LookupKeyword(t->value);
      return Status::Ok();
    }
    if (IsDigit(c) || (c == '.' && IsDigit(At(1)))) return LexNumber(t);
    if (c == '\'') return LexQuoted(t, '\'', TokenType::kString, "string literal");
    if (c == '`') return LexQuoted(t, '`', TokenType::kQuotedIdentifier, "quoted identifier");
    auto one = [&](TokenType type) {
      Advance();
      t->type = type;
      return Status::Ok();
    };
    auto two = [&](TokenType type) {
      Advance(2);
      t->type = type;
      return Status::Ok();
    };
    if (c == '/' && At(1) == '*' && At(2) == '+' && !in_hint_) {
      Advance(3);
      t->type = TokenType::kHintStart;
      in_hint_ = true;
      return Status::Ok();
    }
    if (c == '*' && At(1) == '/' && in_hint_) {
      in_hint_ = false;
      return two(TokenType::kHintEnd);
    }
    switch (c) {
      case '(': return one(TokenType::kLParen);
      case ')': return one(TokenType::kRParen);
      case '[': return one(TokenType::kLBracket);
      case ']': return one(TokenType::kRBracket);
      case ',': return one(TokenType::kComma);
      case ';': return one(TokenType::kSemicolon);
      case '.': return one(TokenType::kDot);
      case '+': return one(TokenType::kPlus);
      case '-': return one(TokenType::kMinus);
      case '*': return one(TokenType::kStar);
      case '/': return one(TokenType::kSlash);
      case '%': return one(TokenType::kPercent);
      case '|':
        if (At(1) == '|') return two(TokenType::kConcat);
        break;
      case '=':
        if (At(1) == '>') return two(TokenType::kArrow);
        return one(TokenType::kEq);
      case '!':
        if (At(1) == '=') return two(TokenType::kNotEq);
        break;
      case '<':
        if (At(1) == '>') return two(TokenType::kNotEq);
        if (At(1) == '=') return two(TokenType::kLtEq);
        return one(TokenType::kLt);
      case '>':
        if (At(1) == '=') return two(TokenType::kGtEq);
        return one(TokenType::kGt);
      default: break;
    }
    if (c == '"') {
      return Error(Pos(),
                   "unexpected character '\"': Flink SQL quotes identifiers with backquotes (`name`) and strings "
                   "with single quotes ('text')");
    }
    return Error(Pos(), fmt::format("unexpected character {}", PrintableChar(c)));
  }

  Status LexNumber(Token* t) {
    SourcePos start = Pos();
    size_t begin = i_;
    t->type = TokenType::kInteger;
    while (IsDigit(At(0))) Advance();
    if (At(0) == '.' && !IsIdentStart(At(1))) {
      t->type = TokenType::kDecimal;
      Advance();
      while (IsDigit(At(0))) Advance();
    }
    if (At(0) == 'e' || At(0) == 'E') {
      size_t k = 1;
      if (At(k) == '+' || At(k) == '-') ++k;
      if (!IsDigit(At(k))) {
        Advance(k);
        return Error(start, fmt::format("malformed number '{}': an exponent needs digits, as in 1.5E3",
                                        src_.substr(begin, i_ - begin)));
      }
      t->type = TokenType::kDouble;
      Advance(k);
      while (IsDigit(At(0))) Advance();
    }
    if (IsIdentPart(At(0))) {
      return Error(Pos(), fmt::format("unexpected character {} after number {}; separate a number from a word "
                                      "with a space",
                                      PrintableChar(At(0)), src_.substr(begin, i_ - begin)));
    }
    t->value = std::string(src_.substr(begin, i_ - begin));
    return Status::Ok();
  }

  Status LexQuoted(Token* t, char quote, TokenType type, std::string_view what) {
    SourcePos start = Pos();
    Advance();
    for (;;) {
      if (i_ >= src_.size()) {
        return Error(start, fmt::format("unterminated {}: {} has no closing {}", what, quote, quote));
      }
      char c = src_[i_];
      if (c == quote) {
        if (At(1) == quote) {
          t->value.push_back(quote);
          Advance(2);
          continue;
        }
        Advance();
        break;
      }
      t->value.push_back(c);
      Advance();
    }
    if (type == TokenType::kQuotedIdentifier && t->value.empty()) {
      return Error(start, "empty quoted identifier ``: an identifier needs at least one character");
    }
    t->type = type;
    return Status::Ok();
  }

  Status LexBinaryString(Token* t) {
    SourcePos start = Pos();
    Advance(2);
    for (;;) {
      if (i_ >= src_.size()) return Error(start, "unterminated binary string literal: X' has no closing '");
      char c = src_[i_];
      if (c == '\'') {
        Advance();
        break;
      }
      if (!IsHexDigit(c)) {
        return Error(Pos(), fmt::format("unexpected character {} in binary string literal; use hex digits 0-9 "
                                        "and A-F, as in X'0AFF'",
                                        PrintableChar(c)));
      }
      t->value.push_back(c >= 'a' && c <= 'f' ? static_cast<char>(c - 'a' + 'A') : c);
      Advance();
    }
    if (t->value.size() % 2 != 0) {
      return Error(start, "binary string literal has an odd number of hex digits; write two per byte, as in X'0A'");
    }
    t->type = TokenType::kBinaryString;
    return Status::Ok();
  }

  std::string_view src_;
  size_t i_ = 0;
  bool in_hint_ = false;  // between /*+ and */
  uint32_t line_ = 1;
  uint32_t column_ = 1;
};

}  // namespace

Keyword LookupKeyword(std::string_view word) {
  if (word.size() > kMaxKeywordLength) return Keyword::kNone;
  std::array<char, kMaxKeywordLength> upper{};
  for (size_t k = 0; k < word.size(); ++k) {
    char c = word[k];
    upper[k] = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  std::string_view key(upper.data(), word.size());
  // The table is in alphabetical order (the X-macro list is kept sorted).
  auto it = std::lower_bound(std::begin(kKeywordTable), std::end(kKeywordTable), key,
                             [](const KeywordEntry& e, std::string_view k) { return e.name < k; });
  if (it != std::end(kKeywordTable) && it->name == key) return it->keyword;
  return Keyword::kNone;
}

std::string_view KeywordName(Keyword keyword) {
  size_t index = static_cast<size_t>(keyword);
  if (index == 0 || index > std::size(kKeywordTable)) return "";
  return kKeywordTable[index - 1].name;
}

Reservation KeywordReservation(Keyword keyword) {
  size_t index = static_cast<size_t>(keyword);
  if (index == 0 || index > std::size(kKeywordTable)) return Reservation::kNonReserved;
  return kKeywordTable[index - 1].reservation;
}

std::string DescribeToken(const Token& token) {
  constexpr size_t kMaxShown = 30;
  auto shorten = [&](std::string_view s) {
    return s.size() > kMaxShown ? std::string(s.substr(0, kMaxShown)) + "..." : std::string(s);
  };
  switch (token.type) {
    case TokenType::kEnd: return "end of input";
    case TokenType::kWord:
      if (token.keyword != Keyword::kNone) return fmt::format("keyword {}", KeywordName(token.keyword));
      return fmt::format("identifier {}", shorten(token.text));
    case TokenType::kQuotedIdentifier: return fmt::format("identifier {}", shorten(token.text));
    case TokenType::kString: return fmt::format("string {}", shorten(token.text));
    case TokenType::kBinaryString: return fmt::format("binary string {}", shorten(token.text));
    case TokenType::kInteger:
    case TokenType::kDecimal:
    case TokenType::kDouble: return fmt::format("number {}", shorten(token.text));
    default: return fmt::format("'{}'", token.text);
  }
}

Result<std::vector<Token>> Tokenize(std::string_view source) { return Lexer(source).Run(); }

}  // namespace sluice::sql
