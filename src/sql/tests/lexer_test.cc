#include "sql/lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice::sql {
namespace {

std::vector<Token> Lex(std::string_view sql) {
  Result<std::vector<Token>> r = Tokenize(sql);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(r).value() : std::vector<Token>{};
}

std::vector<TokenType> Types(std::string_view sql) {
  std::vector<TokenType> types;
  for (const Token& t : Lex(sql)) types.push_back(t.type);
  return types;
}

std::string LexError(std::string_view sql) {
  Result<std::vector<Token>> r = Tokenize(sql);
  EXPECT_FALSE(r.ok()) << sql;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

TEST(LexerTest, KeywordTableIsSortedAndRoundTrips) {
  // LookupKeyword binary-searches the X-macro list, so it must stay sorted.
  for (int k = 1; !KeywordName(static_cast<Keyword>(k)).empty(); ++k) {
    Keyword kw = static_cast<Keyword>(k);
    EXPECT_EQ(LookupKeyword(KeywordName(kw)), kw) << KeywordName(kw);
    if (k > 1) {
      EXPECT_LT(KeywordName(static_cast<Keyword>(k - 1)), KeywordName(kw));
    }
  }
}

TEST(LexerTest, KeywordsAreCaseInsensitiveAndWordsKeepTheirSpelling) {
  std::vector<Token> t = Lex("select SeLeCt myCol");
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[0].keyword, Keyword::kSELECT);
  EXPECT_EQ(t[1].keyword, Keyword::kSELECT);
  EXPECT_EQ(t[2].keyword, Keyword::kNone);
  EXPECT_EQ(t[2].value, "myCol");
  EXPECT_EQ(t[3].type, TokenType::kEnd);
}

TEST(LexerTest, BackquotedIdentifiersAreNeverKeywords) {
  std::vector<Token> t = Lex("`select` `a``b` `with space`");
  EXPECT_EQ(t[0].type, TokenType::kQuotedIdentifier);
  EXPECT_EQ(t[0].keyword, Keyword::kNone);
  EXPECT_EQ(t[0].value, "select");
  EXPECT_EQ(t[1].value, "a`b");
  EXPECT_EQ(t[2].value, "with space");
}

TEST(LexerTest, StringsUnescapeDoubledQuotes) {
  std::vector<Token> t = Lex("'it''s' '' 'a\nb'");
  EXPECT_EQ(t[0].type, TokenType::kString);
  EXPECT_EQ(t[0].value, "it's");
  EXPECT_EQ(t[1].value, "");
  EXPECT_EQ(t[2].value, "a\nb");
}

TEST(LexerTest, NumbersAreClassified) {
  std::vector<Token> t = Lex("42 4.2 .5 4. 1e3 1.5E-3 2E+2");
  std::vector<TokenType> want = {TokenType::kInteger, TokenType::kDecimal, TokenType::kDecimal, TokenType::kDecimal,
                                 TokenType::kDouble,  TokenType::kDouble,  TokenType::kDouble,  TokenType::kEnd};
  ASSERT_EQ(t.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(t[i].type, want[i]) << i;
  EXPECT_EQ(t[5].value, "1.5E-3");
}

TEST(LexerTest, DotAfterNumberBeforeWordIsAFieldAccess) {
  EXPECT_EQ(Types("t1.c"),
            (std::vector<TokenType>{TokenType::kWord, TokenType::kDot, TokenType::kWord, TokenType::kEnd}));
  EXPECT_EQ(Types("1.x"),
            (std::vector<TokenType>{TokenType::kInteger, TokenType::kDot, TokenType::kWord, TokenType::kEnd}));
}

TEST(LexerTest, OperatorsAndPunctuation) {
  EXPECT_EQ(
      Types("( ) [ ] , ; . + - * / % || = <> != < <= > >= =>"),
      (std::vector<TokenType>{TokenType::kLParen, TokenType::kRParen,    TokenType::kLBracket, TokenType::kRBracket,
                              TokenType::kComma,  TokenType::kSemicolon, TokenType::kDot,      TokenType::kPlus,
                              TokenType::kMinus,  TokenType::kStar,      TokenType::kSlash,    TokenType::kPercent,
                              TokenType::kConcat, TokenType::kEq,        TokenType::kNotEq,    TokenType::kNotEq,
                              TokenType::kLt,     TokenType::kLtEq,      TokenType::kGt,       TokenType::kGtEq,
                              TokenType::kArrow,  TokenType::kEnd}));
  // `>>` closes two nested types: ARRAY<ARRAY<INT>>.
  EXPECT_EQ(Types(">>"), (std::vector<TokenType>{TokenType::kGt, TokenType::kGt, TokenType::kEnd}));
}

TEST(LexerTest, CommentsAreSkippedAndHintsAreTokens) {
  std::vector<Token> t = Lex("a -- line comment\n/* block\ncomment */ b /*+ OPTIONS('k'='v') */ c--tail");
  ASSERT_EQ(t.size(), 12u);
  EXPECT_EQ(t[0].value, "a");
  EXPECT_EQ(t[1].value, "b");
  EXPECT_EQ(t[2].type, TokenType::kHintStart);
  EXPECT_EQ(t[3].value, "OPTIONS");
  EXPECT_EQ(t[5].value, "k");
  EXPECT_EQ(t[8].type, TokenType::kRParen);
  EXPECT_EQ(t[9].type, TokenType::kHintEnd);
  EXPECT_EQ(t[10].value, "c");
  // Outside a hint, `*/` is two operators; inside a comment, `/*+` is text.
  EXPECT_EQ(Lex("a */ b").size(), 5u);
  EXPECT_EQ(Lex("a /* x /*+ y */ b").size(), 3u);
}

TEST(LexerTest, MinusMinusIsAComment) {
  EXPECT_EQ(Types("1 - -2"), (std::vector<TokenType>{TokenType::kInteger, TokenType::kMinus, TokenType::kMinus,
                                                     TokenType::kInteger, TokenType::kEnd}));
  EXPECT_EQ(Types("1 --2"), (std::vector<TokenType>{TokenType::kInteger, TokenType::kEnd}));
}

TEST(LexerTest, PositionsCountLinesAndCharacters) {
  std::vector<Token> t = Lex("SELECT\n  'é', x\r\n\tz");
  EXPECT_EQ(t[0].pos, (SourcePos{1, 1}));
  EXPECT_EQ(t[1].pos, (SourcePos{2, 3}));
  // 'é' is two bytes but one column.
  EXPECT_EQ(t[2].pos, (SourcePos{2, 6}));
  EXPECT_EQ(t[3].pos, (SourcePos{2, 8}));
  EXPECT_EQ(t[4].pos, (SourcePos{3, 2}));
}

TEST(LexerTest, LeadingByteOrderMarkIsSkipped) {
  std::vector<Token> t = Lex("\xEF\xBB\xBFSELECT 1");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].keyword, Keyword::kSELECT);
  EXPECT_EQ(t[0].pos, (SourcePos{1, 1}));
}

TEST(LexerTest, BinaryStringsAreUpperCaseHex) {
  std::vector<Token> t = Lex("X'0aFf' x''");
  EXPECT_EQ(t[0].type, TokenType::kBinaryString);
  EXPECT_EQ(t[0].value, "0AFF");
  EXPECT_EQ(t[1].type, TokenType::kBinaryString);
  EXPECT_EQ(t[1].value, "");
}

TEST(LexerTest, UnterminatedStringNamesItsStart) {
  EXPECT_EQ(LexError("SELECT 'abc"),
            "line 1:8: unterminated string literal: ' has no closing '\n"
            "  SELECT 'abc\n"
            "         ^");
}

TEST(LexerTest, UnterminatedQuotedIdentifier) {
  std::string m = LexError("SELECT `abc");
  EXPECT_EQ(m.substr(0, m.find('\n')), "line 1:8: unterminated quoted identifier: ` has no closing `");
}

TEST(LexerTest, EmptyQuotedIdentifier) {
  std::string m = LexError("SELECT ``");
  EXPECT_EQ(m.substr(0, m.find('\n')),
            "line 1:8: empty quoted identifier ``: an identifier needs at least one character");
}

TEST(LexerTest, UnterminatedComment) {
  std::string m = LexError("SELECT 1 /* never closed");
  EXPECT_EQ(m.substr(0, m.find('\n')), "line 1:10: unterminated comment: '/*' has no closing '*/'");
}

TEST(LexerTest, UnexpectedCharacter) {
  std::string m = LexError("SELECT a ? b");
  EXPECT_EQ(m.substr(0, m.find('\n')), "line 1:10: unexpected character '?'");
  m = LexError("SELECT \x01");
  EXPECT_EQ(m.substr(0, m.find('\n')), "line 1:8: unexpected character byte 0x01");
}

TEST(LexerTest, DoubleQuotesExplainFlinkQuoting) {
  std::string m = LexError("SELECT \"col\" FROM t");
  EXPECT_EQ(m.substr(0, m.find('\n')),
            "line 1:8: unexpected character '\"': Flink SQL quotes identifiers with backquotes (`name`) and strings "
            "with single quotes ('text')");
}

TEST(LexerTest, MalformedNumbers) {
  std::string m = LexError("SELECT 1e+");
  EXPECT_EQ(m.substr(0, m.find('\n')), "line 1:8: malformed number '1e+': an exponent needs digits, as in 1.5E3");
  m = LexError("SELECT 12abc");
  EXPECT_EQ(m.substr(0, m.find('\n')),
            "line 1:10: unexpected character 'a' after number 12; separate a number from a word with a space");
}

TEST(LexerTest, MalformedBinaryStrings) {
  std::string m = LexError("SELECT X'0G'");
  EXPECT_EQ(m.substr(0, m.find('\n')),
            "line 1:11: unexpected character 'G' in binary string literal; use hex digits 0-9 and A-F, as in X'0AFF'");
  m = LexError("SELECT X'ABC'");
  EXPECT_EQ(m.substr(0, m.find('\n')),
            "line 1:8: binary string literal has an odd number of hex digits; write two per byte, as in X'0A'");
  m = LexError("SELECT X'AB");
  EXPECT_EQ(m.substr(0, m.find('\n')), "line 1:8: unterminated binary string literal: X' has no closing '");
}

TEST(LexerTest, DescribeTokenNamesWhatWasFound) {
  std::vector<Token> t = Lex("FROM bids `q` 'str' 12 , X'0A'");
  EXPECT_EQ(DescribeToken(t[0]), "keyword FROM");
  EXPECT_EQ(DescribeToken(t[1]), "identifier bids");
  EXPECT_EQ(DescribeToken(t[2]), "identifier `q`");
  EXPECT_EQ(DescribeToken(t[3]), "string 'str'");
  EXPECT_EQ(DescribeToken(t[4]), "number 12");
  EXPECT_EQ(DescribeToken(t[5]), "','");
  EXPECT_EQ(DescribeToken(t[6]), "binary string X'0A'");
  EXPECT_EQ(DescribeToken(t[7]), "end of input");
}

}  // namespace
}  // namespace sluice::sql
