#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sql/ast.h"

namespace sluice::sql {

// Every word the parser gives a meaning to. Reserved words can never be a
// bare identifier (backquote them: `from`); the others are keywords only
// where the grammar expects them, so `key`, `name` or `value` stay usable as
// column names, as in Flink.
//
// X(Name, Reservation)
#define SLUICE_SQL_KEYWORDS(X)         \
  X(ALL, kReserved)                    \
  X(AND, kReserved)                    \
  X(ARRAY, kNonReserved)               \
  X(AS, kReserved)                     \
  X(ASC, kNonReserved)                 \
  X(ASYMMETRIC, kNonReserved)          \
  X(BEGIN, kNonReserved)               \
  X(BETWEEN, kReserved)                \
  X(BIGINT, kNonReserved)              \
  X(BINARY, kNonReserved)              \
  X(BOOLEAN, kNonReserved)             \
  X(BOTH, kNonReserved)                \
  X(BY, kReserved)                     \
  X(BYTES, kNonReserved)               \
  X(CASE, kReserved)                   \
  X(CAST, kReserved)                   \
  X(CENTURY, kNonReserved)             \
  X(CHANGELOG_MODE, kNonReserved)      \
  X(CHAR, kNonReserved)                \
  X(CHARACTER, kNonReserved)           \
  X(COMMENT, kNonReserved)             \
  X(CONSTRAINT, kNonReserved)          \
  X(CREATE, kReserved)                 \
  X(CROSS, kReserved)                  \
  X(CUBE, kNonReserved)                \
  X(CURRENT, kNonReserved)             \
  X(CURRENT_DATE, kNonReserved)        \
  X(CURRENT_TIME, kNonReserved)        \
  X(CURRENT_TIMESTAMP, kNonReserved)   \
  X(DATE, kNonReserved)                \
  X(DAY, kNonReserved)                 \
  X(DAYS, kNonReserved)                \
  X(DEC, kNonReserved)                 \
  X(DECADE, kNonReserved)              \
  X(DECIMAL, kNonReserved)             \
  X(DESC, kNonReserved)                \
  X(DESCRIBE, kNonReserved)            \
  X(DESCRIPTOR, kNonReserved)          \
  X(DISTINCT, kReserved)               \
  X(DOUBLE, kNonReserved)              \
  X(DOW, kNonReserved)                 \
  X(DOY, kNonReserved)                 \
  X(DROP, kReserved)                   \
  X(ELSE, kReserved)                   \
  X(END, kReserved)                    \
  X(ENFORCED, kNonReserved)            \
  X(EPOCH, kNonReserved)               \
  X(ESCAPE, kReserved)                 \
  X(ESTIMATED_COST, kNonReserved)      \
  X(EXCEPT, kReserved)                 \
  X(EXECUTE, kNonReserved)             \
  X(EXISTS, kReserved)                 \
  X(EXPLAIN, kNonReserved)             \
  X(EXTRACT, kNonReserved)             \
  X(FALSE, kReserved)                  \
  X(FETCH, kReserved)                  \
  X(FILTER, kNonReserved)              \
  X(FIRST, kNonReserved)               \
  X(FLOAT, kNonReserved)               \
  X(FOLLOWING, kNonReserved)           \
  X(FOR, kReserved)                    \
  X(FROM, kReserved)                   \
  X(FULL, kReserved)                   \
  X(FUNCTION, kNonReserved)            \
  X(FUNCTIONS, kNonReserved)           \
  X(GROUP, kReserved)                  \
  X(GROUPING, kNonReserved)            \
  X(HAVING, kReserved)                 \
  X(HOUR, kNonReserved)                \
  X(HOURS, kNonReserved)               \
  X(IF, kNonReserved)                  \
  X(IN, kReserved)                     \
  X(INNER, kReserved)                  \
  X(INSERT, kReserved)                 \
  X(INT, kNonReserved)                 \
  X(INTEGER, kNonReserved)             \
  X(INTERSECT, kReserved)              \
  X(INTERVAL, kReserved)               \
  X(INTO, kNonReserved)                \
  X(IS, kReserved)                     \
  X(JOBS, kNonReserved)                \
  X(JOIN, kReserved)                   \
  X(JSON_EXECUTION_PLAN, kNonReserved) \
  X(KEY, kNonReserved)                 \
  X(LANGUAGE, kNonReserved)            \
  X(LAST, kNonReserved)                \
  X(LATERAL, kReserved)                \
  X(LEADING, kNonReserved)             \
  X(LEFT, kReserved)                   \
  X(LIKE, kReserved)                   \
  X(LIMIT, kReserved)                  \
  X(LOCAL, kNonReserved)               \
  X(LOCALTIME, kNonReserved)           \
  X(LOCALTIMESTAMP, kNonReserved)      \
  X(MAP, kNonReserved)                 \
  X(METADATA, kNonReserved)            \
  X(MICROSECOND, kNonReserved)         \
  X(MILLENNIUM, kNonReserved)          \
  X(MILLISECOND, kNonReserved)         \
  X(MINUTE, kNonReserved)              \
  X(MINUTES, kNonReserved)             \
  X(MONTH, kNonReserved)               \
  X(MONTHS, kNonReserved)              \
  X(MULTISET, kNonReserved)            \
  X(NANOSECOND, kNonReserved)          \
  X(NATURAL, kReserved)                \
  X(NEXT, kNonReserved)                \
  X(NOT, kReserved)                    \
  X(NULL, kReserved)                   \
  X(NULLS, kNonReserved)               \
  X(NUMERIC, kNonReserved)             \
  X(OF, kNonReserved)                  \
  X(OFFSET, kReserved)                 \
  X(ON, kReserved)                     \
  X(ONLY, kNonReserved)                \
  X(OR, kReserved)                     \
  X(ORDER, kReserved)                  \
  X(ORDINALITY, kNonReserved)          \
  X(OUTER, kReserved)                  \
  X(OVER, kReserved)                   \
  X(OVERWRITE, kNonReserved)           \
  X(PARTITION, kNonReserved)           \
  X(PARTITIONED, kNonReserved)         \
  X(PLAN, kNonReserved)                \
  X(PLAN_ADVICE, kNonReserved)         \
  X(POSITION, kNonReserved)            \
  X(PRECEDING, kNonReserved)           \
  X(PRECISION, kNonReserved)           \
  X(PRIMARY, kNonReserved)             \
  X(QUARTER, kNonReserved)             \
  X(RANGE, kNonReserved)               \
  X(REAL, kNonReserved)                \
  X(RESET, kNonReserved)               \
  X(RIGHT, kReserved)                  \
  X(ROLLUP, kNonReserved)              \
  X(ROW, kNonReserved)                 \
  X(ROWS, kNonReserved)                \
  X(SECOND, kNonReserved)              \
  X(SECONDS, kNonReserved)             \
  X(SELECT, kReserved)                 \
  X(SET, kNonReserved)                 \
  X(SETS, kNonReserved)                \
  X(SHOW, kNonReserved)                \
  X(SIMILAR, kReserved)                \
  X(SMALLINT, kNonReserved)            \
  X(STATEMENT, kNonReserved)           \
  X(STRING, kNonReserved)              \
  X(SUBSTRING, kNonReserved)           \
  X(SYMMETRIC, kNonReserved)           \
  X(SYSTEM, kNonReserved)              \
  X(SYSTEM_TIME, kNonReserved)         \
  X(TABLE, kReserved)                  \
  X(TABLES, kNonReserved)              \
  X(TEMPORARY, kNonReserved)           \
  X(THEN, kReserved)                   \
  X(TIME, kNonReserved)                \
  X(TIMESTAMP, kNonReserved)           \
  X(TIMESTAMP_LTZ, kNonReserved)       \
  X(TINYINT, kNonReserved)             \
  X(TO, kNonReserved)                  \
  X(TRAILING, kNonReserved)            \
  X(TRIM, kNonReserved)                \
  X(TRUE, kReserved)                   \
  X(TRY_CAST, kNonReserved)            \
  X(UNBOUNDED, kNonReserved)           \
  X(UNION, kReserved)                  \
  X(UNKNOWN, kNonReserved)             \
  X(UNNEST, kReserved)                 \
  X(USING, kReserved)                  \
  X(VALUES, kReserved)                 \
  X(VARBINARY, kNonReserved)           \
  X(VARCHAR, kNonReserved)             \
  X(VIEW, kNonReserved)                \
  X(VIEWS, kNonReserved)               \
  X(VIRTUAL, kNonReserved)             \
  X(WATERMARK, kNonReserved)           \
  X(WEEK, kNonReserved)                \
  X(WHEN, kReserved)                   \
  X(WHERE, kReserved)                  \
  X(WINDOW, kReserved)                 \
  X(WITH, kReserved)                   \
  X(WITHOUT, kNonReserved)             \
  X(YEAR, kNonReserved)                \
  X(YEARS, kNonReserved)               \
  X(ZONE, kNonReserved)

enum class Keyword : uint16_t {
  kNone = 0,
#define SLUICE_SQL_KEYWORD_ENUM(name, reservation) k##name,
  SLUICE_SQL_KEYWORDS(SLUICE_SQL_KEYWORD_ENUM)
#undef SLUICE_SQL_KEYWORD_ENUM
};

enum class Reservation { kNonReserved, kReserved };

// The keyword spelled `word` (any case), or Keyword::kNone.
Keyword LookupKeyword(std::string_view word);
// "SELECT" for Keyword::kSelect.
std::string_view KeywordName(Keyword keyword);
Reservation KeywordReservation(Keyword keyword);

enum class TokenType : uint8_t {
  kEnd,               // end of input
  kWord,              // a bare identifier or keyword (see Token::keyword)
  kQuotedIdentifier,  // `...`
  kString,            // '...'
  kBinaryString,      // X'0AFF'
  kInteger,           // 42
  kDecimal,           // 4.2, .5, 4.
  kDouble,            // 4.2E1
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
  kSemicolon,
  kDot,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kPercent,
  kConcat,  // ||
  kEq,
  kNotEq,  // <> or !=
  kLt,
  kLtEq,
  kGt,
  kGtEq,
  kArrow,      // =>
  kHintStart,  // /*+  (a hint: /*+ OPTIONS('k'='v') */)
  kHintEnd,    // */ closing a hint
};

struct Token {
  TokenType type = TokenType::kEnd;
  Keyword keyword = Keyword::kNone;  // kWord only
  std::string_view text;             // the raw source slice
  std::string value;                 // decoded: string contents, identifier name
  SourcePos pos;
};

// "','", "keyword FROM", "identifier bids", "end of input": how an error
// message names what it found.
std::string DescribeToken(const Token& token);

}  // namespace sluice::sql
