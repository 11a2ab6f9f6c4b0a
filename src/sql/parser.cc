#include "sql/parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>
#include <utility>
#include <vector>

#include "sql/lexer.h"
#include "sql/syntax_error.h"
#include "sql/token.h"

namespace sluice::sql {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
         });
}

// "bids", "db.bids": a name as written, for error messages.
std::string NameText(const QualifiedName& name) {
  std::string out;
  for (const Identifier& part : name.parts) {
    if (!out.empty()) out += '.';
    out += part.name;
  }
  return out;
}

std::optional<TimeUnit> IntervalUnit(Keyword k) {
  switch (k) {
    case Keyword::kYEAR:
    case Keyword::kYEARS: return TimeUnit::kYear;
    case Keyword::kMONTH:
    case Keyword::kMONTHS: return TimeUnit::kMonth;
    case Keyword::kDAY:
    case Keyword::kDAYS: return TimeUnit::kDay;
    case Keyword::kHOUR:
    case Keyword::kHOURS: return TimeUnit::kHour;
    case Keyword::kMINUTE:
    case Keyword::kMINUTES: return TimeUnit::kMinute;
    case Keyword::kSECOND:
    case Keyword::kSECONDS: return TimeUnit::kSecond;
    default: return std::nullopt;
  }
}

std::optional<TimeUnit> ExtractUnit(Keyword k) {
  switch (k) {
    case Keyword::kYEAR: return TimeUnit::kYear;
    case Keyword::kQUARTER: return TimeUnit::kQuarter;
    case Keyword::kMONTH: return TimeUnit::kMonth;
    case Keyword::kWEEK: return TimeUnit::kWeek;
    case Keyword::kDAY: return TimeUnit::kDay;
    case Keyword::kHOUR: return TimeUnit::kHour;
    case Keyword::kMINUTE: return TimeUnit::kMinute;
    case Keyword::kSECOND: return TimeUnit::kSecond;
    case Keyword::kMILLISECOND: return TimeUnit::kMillisecond;
    case Keyword::kMICROSECOND: return TimeUnit::kMicrosecond;
    case Keyword::kNANOSECOND: return TimeUnit::kNanosecond;
    case Keyword::kDOW: return TimeUnit::kDayOfWeek;
    case Keyword::kDOY: return TimeUnit::kDayOfYear;
    case Keyword::kEPOCH: return TimeUnit::kEpoch;
    case Keyword::kDECADE: return TimeUnit::kDecade;
    case Keyword::kCENTURY: return TimeUnit::kCentury;
    case Keyword::kMILLENNIUM: return TimeUnit::kMillennium;
    default: return std::nullopt;
  }
}

// `DAY TO SECOND` and friends: the end unit must be finer than the start,
// and year-month intervals never mix with day-time ones.
bool ValidIntervalRange(TimeUnit start, TimeUnit end) {
  if (start == TimeUnit::kYear) return end == TimeUnit::kMonth;
  if (start == TimeUnit::kDay) return end == TimeUnit::kHour || end == TimeUnit::kMinute || end == TimeUnit::kSecond;
  if (start == TimeUnit::kHour) return end == TimeUnit::kMinute || end == TimeUnit::kSecond;
  if (start == TimeUnit::kMinute) return end == TimeUnit::kSecond;
  return false;
}

bool IsNiladicFunction(Keyword k) {
  return k == Keyword::kCURRENT_TIMESTAMP || k == Keyword::kCURRENT_DATE || k == Keyword::kCURRENT_TIME ||
         k == Keyword::kLOCALTIME || k == Keyword::kLOCALTIMESTAMP;
}

// One parse over one token vector. Every Parse* method returns the node (or
// true) on success and null (or false) after recording the first error in
// error_; callers return at once, so no half-built node escapes.
//
// Thread-safety: not thread-safe; a parser lives for one call of the public
// functions below. Lifetime: `source` must outlive it (tokens view into it).
class Parser {
 public:
  Parser(std::string_view source, std::vector<Token> tokens) : src_(source), tokens_(std::move(tokens)) {}

  const Status& error() const { return error_; }

  bool ParseScript(Script* out) {
    for (;;) {
      while (Accept(TokenType::kSemicolon)) {
      }
      if (Is(TokenType::kEnd)) return true;
      StatementPtr statement;
      if (IsKw(Keyword::kBEGIN) && IsKw(Keyword::kSTATEMENT, 1)) {
        statement = ParseBeginStatementSet();
      } else {
        statement = ParseStatement();
      }
      if (!statement) return false;
      out->statements.push_back(std::move(statement));
      if (Is(TokenType::kEnd)) return true;
      if (!Expect(TokenType::kSemicolon, "';' or end of input after the statement")) return false;
    }
  }

  StatementPtr ParseOneStatement() {
    if (Is(TokenType::kEnd)) {
      Expected("a statement");
      return nullptr;
    }
    StatementPtr statement = ParseStatement();
    if (!statement) return nullptr;
    Accept(TokenType::kSemicolon);
    if (!Is(TokenType::kEnd)) {
      Expected("end of input after the statement");
      return nullptr;
    }
    return statement;
  }

  ExprPtr ParseOneExpression() {
    ExprPtr e = ParseExpr();
    if (!e) return nullptr;
    if (!Is(TokenType::kEnd)) {
      Expected("an operator or end of input after the expression");
      return nullptr;
    }
    return e;
  }

 private:
  // -- Recursion and height limits -----------------------------------------

  // Guards one level of real recursion (parentheses, subqueries, prefix
  // operators, nested types).
  class Nest {
   public:
    explicit Nest(Parser* p) : p_(p) { ok_ = p_->EnterNesting(); }
    ~Nest() { p_->LeaveNesting(); }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;
    bool ok() const { return ok_; }

   private:
    Parser* p_;
    bool ok_;
  };

  // Tracks the height of a left-deep chain (`a + b + c`, `x UNION y`,
  // `t JOIN u JOIN v`) that the parser builds in a loop, not by recursion:
  // each link is placed above everything parsed so far, so the tree height
  // (and thus the unparser's and destructors' recursion) stays bounded.
  class Chain {
   public:
    explicit Chain(Parser* p) : p_(p), saved_height_(p->height_), saved_peak_(p->peak_) { p_->peak_ = p_->height_; }
    ~Chain() {
      p_->height_ = saved_height_;
      p_->peak_ = std::max(saved_peak_, p_->peak_);
    }
    Chain(const Chain&) = delete;
    Chain& operator=(const Chain&) = delete;
    bool Link() {
      p_->height_ = p_->peak_ + 1;
      p_->peak_ = p_->height_;
      if (p_->height_ > kMaxTreeHeight) return p_->FailTooTall();
      return true;
    }

   private:
    Parser* p_;
    int saved_height_;
    int saved_peak_;
  };

  bool EnterNesting() {
    ++nesting_;
    ++height_;
    peak_ = std::max(peak_, height_);
    if (nesting_ > kMaxNestingDepth) {
      return Fail(Peek(), fmt::format("expected at most {} nested levels of parentheses, subqueries, prefix "
                                      "operators or types, found more; split the statement into views or simpler "
                                      "expressions",
                                      kMaxNestingDepth));
    }
    if (height_ > kMaxTreeHeight) return FailTooTall();
    return true;
  }
  void LeaveNesting() {
    --nesting_;
    --height_;
  }
  bool FailTooTall() {
    return Fail(Peek(), fmt::format("expected a statement at most {} levels deep, found a longer chain of operators, "
                                    "UNIONs or JOINs; split it into views or simpler expressions",
                                    kMaxTreeHeight));
  }

  // -- Tokens ---------------------------------------------------------------

  const Token& Peek(size_t ahead = 0) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }
  bool Is(TokenType type, size_t ahead = 0) const { return Peek(ahead).type == type; }
  bool IsKw(Keyword kw, size_t ahead = 0) const {
    const Token& t = Peek(ahead);
    return t.type == TokenType::kWord && t.keyword == kw;
  }
  void Advance(size_t n = 1) { pos_ = std::min(pos_ + n, tokens_.size() - 1); }
  bool Accept(TokenType type) {
    if (!Is(type)) return false;
    Advance();
    return true;
  }
  bool AcceptKw(Keyword kw) {
    if (!IsKw(kw)) return false;
    Advance();
    return true;
  }
  bool Expect(TokenType type, std::string_view what) { return Accept(type) || Expected(what); }
  bool ExpectKw(Keyword kw, std::string_view what) { return AcceptKw(kw) || Expected(what); }

  // Records the first error only; later ones are consequences of it.
  bool Fail(const Token& at, std::string_view message) { return Fail(at.pos, message); }
  bool Fail(SourcePos pos, std::string_view message) {
    if (error_.ok()) error_ = SyntaxError(src_, pos, message);
    return false;
  }
  bool Expected(std::string_view what) {
    const Token& t = Peek();
    return Fail(t, fmt::format("expected {}, found {}", what, DescribeToken(t)));
  }

  bool IsIdentifier(size_t ahead = 0) const {
    const Token& t = Peek(ahead);
    if (t.type == TokenType::kQuotedIdentifier) return true;
    return t.type == TokenType::kWord &&
           (t.keyword == Keyword::kNone || KeywordReservation(t.keyword) == Reservation::kNonReserved);
  }
  bool IsQueryStart(size_t ahead = 0) const {
    return IsKw(Keyword::kSELECT, ahead) || IsKw(Keyword::kWITH, ahead) || IsKw(Keyword::kVALUES, ahead);
  }

  bool ParseIdentifier(Identifier* out, std::string_view what) {
    if (!IsIdentifier()) {
      const Token& t = Peek();
      if (t.type == TokenType::kWord) {
        // Only reserved words get here: say how to use one as a name.
        return Fail(t, fmt::format("expected {}, found {} (a reserved word: write `{}` to use it as a name)", what,
                                   DescribeToken(t), t.text));
      }
      return Expected(what);
    }
    const Token& t = Peek();
    out->name = t.value;
    out->pos = t.pos;
    out->quoting = t.type == TokenType::kQuotedIdentifier ? Quoting::kBackquoted : Quoting::kBare;
    Advance();
    return true;
  }

  bool ParseQualifiedName(QualifiedName* out, std::string_view what) {
    Identifier part;
    if (!ParseIdentifier(&part, what)) return false;
    out->parts.push_back(std::move(part));
    while (Accept(TokenType::kDot)) {
      if (!ParseIdentifier(&part, "a name after '.'")) return false;
      out->parts.push_back(std::move(part));
    }
    return true;
  }

  // `(a, b, c)`; the '(' is already consumed.
  bool ParseIdentifierList(std::vector<Identifier>* out, std::string_view what, std::string_view close_what) {
    for (;;) {
      Identifier id;
      if (!ParseIdentifier(&id, what)) return false;
      out->push_back(std::move(id));
      if (Accept(TokenType::kComma)) continue;
      return Expect(TokenType::kRParen, close_what);
    }
  }

  bool ParseString(std::string* out, std::string_view what) {
    if (!Is(TokenType::kString)) return Expected(what);
    *out = Peek().value;
    Advance();
    return true;
  }

  bool AcceptIfNotExists(Existence* out) {
    if (IsKw(Keyword::kIF) && IsKw(Keyword::kEXISTS, 1)) {
      Advance();
      return Expected("NOT EXISTS after IF (CREATE ... IF NOT EXISTS)");
    }
    if (IsKw(Keyword::kIF) && IsKw(Keyword::kNOT, 1)) {
      Advance(2);
      if (!ExpectKw(Keyword::kEXISTS, "EXISTS after IF NOT")) return false;
      *out = Existence::kIfNotExists;
    }
    return true;
  }

  // -- Statements -----------------------------------------------------------

  StatementPtr ParseStatement() {
    const Token& t = Peek();
    if (t.type == TokenType::kWord) {
      switch (t.keyword) {
        case Keyword::kCREATE: return ParseCreate();
        case Keyword::kDROP: return ParseDrop();
        case Keyword::kSHOW: return ParseShow();
        case Keyword::kDESCRIBE:
        case Keyword::kDESC: return ParseDescribe();
        case Keyword::kSET: return ParseSet();
        case Keyword::kRESET: return ParseReset();
        case Keyword::kEXPLAIN: return ParseExplain();
        case Keyword::kINSERT: return ParseInsert();
        case Keyword::kEXECUTE: return ParseExecuteStatementSet();
        default: break;
      }
    }
    if (IsQueryStart() || Is(TokenType::kLParen)) {
      auto statement = std::make_unique<QueryStatement>(t.pos);
      statement->query = ParseQuery();
      if (!statement->query) return nullptr;
      return statement;
    }
    Expected(
        "a statement (SELECT, INSERT, CREATE, DROP, SHOW, DESCRIBE, SET, RESET, EXPLAIN or EXECUTE STATEMENT "
        "SET)");
    return nullptr;
  }

  StatementPtr ParseCreate() {
    SourcePos pos = Peek().pos;
    Advance();
    Persistence persistence = AcceptKw(Keyword::kTEMPORARY) ? Persistence::kTemporary : Persistence::kPermanent;
    if (IsKw(Keyword::kSYSTEM) || IsKw(Keyword::kFUNCTION)) return ParseCreateFunction(pos, persistence);
    if (IsKw(Keyword::kTABLE)) return ParseCreateTable(pos, persistence);
    if (IsKw(Keyword::kVIEW)) return ParseCreateView(pos, persistence);
    Expected(persistence == Persistence::kTemporary ? "TABLE, VIEW or FUNCTION after CREATE TEMPORARY"
                                                    : "TABLE, VIEW, FUNCTION or TEMPORARY after CREATE");
    return nullptr;
  }

  StatementPtr ParseCreateTable(SourcePos pos, Persistence persistence) {
    Advance();  // TABLE
    auto st = std::make_unique<CreateTableStatement>(pos);
    st->persistence = persistence;
    if (!AcceptIfNotExists(&st->existence)) return nullptr;
    if (!ParseQualifiedName(&st->name, "a table name after CREATE TABLE")) return nullptr;
    std::string ctx = "CREATE TABLE " + NameText(st->name);
    if (Accept(TokenType::kLParen)) {
      for (;;) {
        if (!ParseTableElement(st.get(), ctx)) return nullptr;
        if (Accept(TokenType::kComma)) continue;
        if (Accept(TokenType::kRParen)) break;
        Expected(fmt::format("',' or ')' after the {} in the column list of {}", last_element_, ctx));
        return nullptr;
      }
    } else if (!IsKw(Keyword::kWITH) && !IsKw(Keyword::kAS) && !IsKw(Keyword::kCOMMENT) &&
               !IsKw(Keyword::kPARTITIONED)) {
      Expected(fmt::format("'(' to start the column list of {}, or AS and a query", ctx));
      return nullptr;
    }
    if (AcceptKw(Keyword::kCOMMENT)) {
      st->comment.emplace();
      if (!ParseString(&*st->comment, fmt::format("a quoted comment after COMMENT in {}", ctx))) return nullptr;
    }
    if (AcceptKw(Keyword::kPARTITIONED)) {
      if (!ExpectKw(Keyword::kBY, "BY after PARTITIONED")) return nullptr;
      if (!Expect(TokenType::kLParen, "'(' and the partition columns after PARTITIONED BY")) return nullptr;
      if (!ParseIdentifierList(&st->partitioned_by, "a partition column name",
                               "',' or ')' to close the PARTITIONED BY list")) {
        return nullptr;
      }
    }
    if (AcceptKw(Keyword::kWITH) && !ParseOptions(&st->options, ctx)) return nullptr;
    if (AcceptKw(Keyword::kAS)) {
      if (!IsQueryStart() && !Is(TokenType::kLParen)) {
        Expected(fmt::format("a query after AS in {}", ctx));
        return nullptr;
      }
      st->as_query = ParseQuery();
      if (!st->as_query) return nullptr;
    }
    if (st->columns.empty() && !st->as_query) {
      Fail(pos, fmt::format("expected a column list or AS SELECT in {}, found neither; declare the columns: "
                            "CREATE TABLE {} (col TYPE, ...) WITH (...)",
                            ctx, NameText(st->name)));
      return nullptr;
    }
    return st;
  }

  bool ParseTableElement(CreateTableStatement* st, const std::string& ctx) {
    if (IsKw(Keyword::kWATERMARK) && IsKw(Keyword::kFOR, 1)) {
      SourcePos pos = Peek().pos;
      Advance(2);
      WatermarkDef wm;
      wm.pos = pos;
      if (!ParseQualifiedName(&wm.column, "the rowtime column after WATERMARK FOR")) return false;
      if (!ExpectKw(Keyword::kAS,
                    fmt::format("AS and the watermark expression after WATERMARK FOR {}", NameText(wm.column)))) {
        return false;
      }
      wm.expr = ParseExpr();
      if (!wm.expr) return false;
      if (st->watermark) {
        return Fail(pos, fmt::format("expected at most one WATERMARK in {}, found a second one", ctx));
      }
      st->watermark = std::move(wm);
      last_element_ = "WATERMARK";
      return true;
    }
    if ((IsKw(Keyword::kPRIMARY) && IsKw(Keyword::kKEY, 1)) || (IsKw(Keyword::kCONSTRAINT) && IsIdentifier(1))) {
      SourcePos pos = Peek().pos;
      PrimaryKeyDef pk;
      pk.pos = pos;
      if (AcceptKw(Keyword::kCONSTRAINT)) {
        pk.constraint_name.emplace();
        if (!ParseIdentifier(&*pk.constraint_name, "a constraint name after CONSTRAINT")) return false;
        if (!ExpectKw(Keyword::kPRIMARY, "PRIMARY KEY after the constraint name")) return false;
      } else {
        Advance();
      }
      if (!ExpectKw(Keyword::kKEY, "KEY after PRIMARY")) return false;
      if (!Expect(TokenType::kLParen, "'(' and the key columns after PRIMARY KEY")) return false;
      if (!ParseIdentifierList(&pk.columns, "a key column name", "',' or ')' to close the PRIMARY KEY columns")) {
        return false;
      }
      if (!ParseNotEnforced()) return false;
      if (st->primary_key)
        return Fail(pos, fmt::format("expected at most one PRIMARY KEY in {}, found a second one", ctx));
      st->primary_key = std::move(pk);
      last_element_ = "PRIMARY KEY";
      return true;
    }
    ColumnDef col;
    col.pos = Peek().pos;
    if (!ParseIdentifier(&col.name,
                         fmt::format("a column name, WATERMARK FOR or PRIMARY KEY in the column list of {}", ctx))) {
      return false;
    }
    last_element_ = "column " + col.name.name;
    if (AcceptKw(Keyword::kAS)) {
      col.column_kind = ColumnKind::kComputed;
      col.expr = ParseExpr();
      if (!col.expr) return false;
    } else {
      if (!ParseDataType(&col.type, fmt::format("a data type or AS after column {} of {}", col.name.name, ctx))) {
        return false;
      }
      if (AcceptKw(Keyword::kMETADATA)) {
        col.column_kind = ColumnKind::kMetadata;
        if (AcceptKw(Keyword::kFROM)) {
          col.metadata_key.emplace();
          if (!ParseString(&*col.metadata_key, "a quoted metadata key after METADATA FROM, as in 'timestamp'")) {
            return false;
          }
        }
        if (AcceptKw(Keyword::kVIRTUAL)) col.virtuality = Virtuality::kVirtual;
      }
      if (IsKw(Keyword::kPRIMARY)) {
        SourcePos pos = Peek().pos;
        Advance();
        if (!ExpectKw(Keyword::kKEY, "KEY after PRIMARY")) return false;
        if (!ParseNotEnforced()) return false;
        if (st->primary_key) {
          return Fail(pos, fmt::format("expected at most one PRIMARY KEY in {}, found a second one", ctx));
        }
        st->primary_key.emplace();
        st->primary_key->pos = pos;
        st->primary_key->columns.push_back(col.name);
      }
    }
    if (AcceptKw(Keyword::kCOMMENT)) {
      col.comment.emplace();
      if (!ParseString(&*col.comment, fmt::format("a quoted comment after COMMENT for column {}", col.name.name))) {
        return false;
      }
    }
    st->columns.push_back(std::move(col));
    return true;
  }

  bool ParseNotEnforced() {
    if (IsKw(Keyword::kNOT) && IsKw(Keyword::kENFORCED, 1)) {
      Advance(2);
      return true;
    }
    return Expected("NOT ENFORCED after PRIMARY KEY (Flink does not check primary keys and requires saying so)");
  }

  // `('k' = 'v', ...)` after WITH.
  bool ParseOptions(std::vector<TableOption>* out, const std::string& ctx) {
    if (!Expect(TokenType::kLParen, fmt::format("'(' after WITH in {}", ctx))) return false;
    if (Accept(TokenType::kRParen)) return true;
    for (;;) {
      TableOption option;
      option.pos = Peek().pos;
      if (!ParseString(&option.key,
                       fmt::format("a quoted option key such as 'connector' in the WITH clause of {}", ctx))) {
        return false;
      }
      if (!Expect(TokenType::kEq, fmt::format("'=' after option '{}'", option.key))) return false;
      if (!ParseString(&option.value, fmt::format("a quoted value for option '{}'", option.key))) return false;
      out->push_back(std::move(option));
      if (Accept(TokenType::kComma)) continue;
      return Expect(TokenType::kRParen, fmt::format("',' or ')' in the WITH clause of {}", ctx));
    }
  }

  StatementPtr ParseCreateView(SourcePos pos, Persistence persistence) {
    Advance();  // VIEW
    auto st = std::make_unique<CreateViewStatement>(pos);
    st->persistence = persistence;
    if (!AcceptIfNotExists(&st->existence)) return nullptr;
    if (!ParseQualifiedName(&st->name, "a view name after CREATE VIEW")) return nullptr;
    std::string ctx = "CREATE VIEW " + NameText(st->name);
    if (Accept(TokenType::kLParen) && !ParseIdentifierList(&st->columns, "a column name",
                                                           fmt::format("',' or ')' to close the columns of {}", ctx))) {
      return nullptr;
    }
    if (!ExpectKw(Keyword::kAS, fmt::format("AS and a query in {}", ctx))) return nullptr;
    if (!IsQueryStart() && !Is(TokenType::kLParen)) {
      Expected(fmt::format("a query after AS in {}", ctx));
      return nullptr;
    }
    st->query = ParseQuery();
    if (!st->query) return nullptr;
    return st;
  }

  StatementPtr ParseCreateFunction(SourcePos pos, Persistence persistence) {
    auto st = std::make_unique<CreateFunctionStatement>(pos);
    st->persistence = persistence;
    if (AcceptKw(Keyword::kSYSTEM)) st->scope = CreateFunctionStatement::Scope::kSystem;
    if (!ExpectKw(Keyword::kFUNCTION, "FUNCTION after CREATE TEMPORARY SYSTEM")) return nullptr;
    if (!AcceptIfNotExists(&st->existence)) return nullptr;
    if (!ParseQualifiedName(&st->name, "a function name after CREATE FUNCTION")) return nullptr;
    if (!ExpectKw(Keyword::kAS, "AS and the implementing class name after the function name")) return nullptr;
    if (!ParseString(&st->class_name, "the quoted class name of the function after AS")) return nullptr;
    if (AcceptKw(Keyword::kLANGUAGE)) {
      st->language.emplace();
      if (!ParseIdentifier(&*st->language, "JAVA, SCALA or PYTHON after LANGUAGE")) return nullptr;
    }
    return st;
  }

  StatementPtr ParseDrop() {
    auto st = std::make_unique<DropStatement>(Peek().pos);
    Advance();
    if (AcceptKw(Keyword::kTEMPORARY)) st->persistence = Persistence::kTemporary;
    if (AcceptKw(Keyword::kTABLE)) {
      st->object = ObjectKind::kTable;
    } else if (AcceptKw(Keyword::kVIEW)) {
      st->object = ObjectKind::kView;
    } else if (AcceptKw(Keyword::kFUNCTION)) {
      st->object = ObjectKind::kFunction;
    } else {
      Expected("TABLE, VIEW or FUNCTION after DROP");
      return nullptr;
    }
    if (IsKw(Keyword::kIF) && IsKw(Keyword::kEXISTS, 1)) {
      Advance(2);
      st->absence = Absence::kIfExists;
    }
    if (!ParseQualifiedName(&st->name, "the name of the object to drop")) return nullptr;
    return st;
  }

  StatementPtr ParseShow() {
    auto st = std::make_unique<ShowStatement>(Peek().pos);
    Advance();
    if (AcceptKw(Keyword::kTABLES)) {
      st->what = ShowKind::kTables;
    } else if (AcceptKw(Keyword::kVIEWS)) {
      st->what = ShowKind::kViews;
    } else if (AcceptKw(Keyword::kFUNCTIONS)) {
      st->what = ShowKind::kFunctions;
    } else if (AcceptKw(Keyword::kJOBS)) {
      st->what = ShowKind::kJobs;
    } else {
      Expected("TABLES, VIEWS, FUNCTIONS or JOBS after SHOW");
      return nullptr;
    }
    return st;
  }

  StatementPtr ParseDescribe() {
    auto st = std::make_unique<DescribeStatement>(Peek().pos);
    Advance();
    if (!ParseQualifiedName(&st->name, "a table or view name after DESCRIBE")) return nullptr;
    return st;
  }

  bool AtStatementEnd() const { return Is(TokenType::kSemicolon) || Is(TokenType::kEnd); }

  StatementPtr ParseSet() {
    auto st = std::make_unique<SetStatement>(Peek().pos);
    Advance();
    if (AtStatementEnd()) return st;
    TableOption option;
    option.pos = Peek().pos;
    if (!ParseString(&option.key, "a quoted key after SET, as in SET 'table.exec.state.ttl' = '1 h'")) return nullptr;
    if (!Expect(TokenType::kEq, fmt::format("'=' after SET '{}'", option.key))) return nullptr;
    if (!ParseString(&option.value, fmt::format("a quoted value for SET '{}'", option.key))) return nullptr;
    st->option = std::move(option);
    return st;
  }

  StatementPtr ParseReset() {
    auto st = std::make_unique<ResetStatement>(Peek().pos);
    Advance();
    if (AtStatementEnd()) return st;
    st->key.emplace();
    if (!ParseString(&*st->key, "a quoted key or end of statement after RESET")) return nullptr;
    return st;
  }

  static std::optional<ExplainDetail> ExplainDetailOf(Keyword k) {
    switch (k) {
      case Keyword::kESTIMATED_COST: return ExplainDetail::kEstimatedCost;
      case Keyword::kCHANGELOG_MODE: return ExplainDetail::kChangelogMode;
      case Keyword::kJSON_EXECUTION_PLAN: return ExplainDetail::kJsonExecutionPlan;
      case Keyword::kPLAN_ADVICE: return ExplainDetail::kPlanAdvice;
      default: return std::nullopt;
    }
  }

  StatementPtr ParseExplain() {
    auto st = std::make_unique<ExplainStatement>(Peek().pos);
    Advance();
    if (AcceptKw(Keyword::kPLAN)) {
      if (!ExpectKw(Keyword::kFOR, "FOR after EXPLAIN PLAN")) return nullptr;
    } else if (Is(TokenType::kWord) && ExplainDetailOf(Peek().keyword)) {
      for (;;) {
        auto detail = ExplainDetailOf(Peek().keyword);
        if (!Is(TokenType::kWord) || !detail) {
          Expected("ESTIMATED_COST, CHANGELOG_MODE, JSON_EXECUTION_PLAN or PLAN_ADVICE after ','");
          return nullptr;
        }
        st->details.push_back(*detail);
        Advance();
        if (!Accept(TokenType::kComma)) break;
      }
    }
    if (IsKw(Keyword::kINSERT)) {
      st->statement = ParseInsert();
    } else if (IsKw(Keyword::kEXECUTE)) {
      st->statement = ParseExecuteStatementSet();
    } else if (IsQueryStart() || Is(TokenType::kLParen)) {
      auto query = std::make_unique<QueryStatement>(Peek().pos);
      query->query = ParseQuery();
      if (!query->query) return nullptr;
      st->statement = std::move(query);
    } else {
      Expected("a query, INSERT or EXECUTE STATEMENT SET to explain");
      return nullptr;
    }
    if (!st->statement) return nullptr;
    return st;
  }

  std::unique_ptr<InsertStatement> ParseInsert() {
    auto st = std::make_unique<InsertStatement>(Peek().pos);
    Advance();
    if (AcceptKw(Keyword::kOVERWRITE)) {
      st->mode = InsertMode::kOverwrite;
    } else if (!ExpectKw(Keyword::kINTO, "INTO or OVERWRITE after INSERT")) {
      return nullptr;
    }
    if (!ParseQualifiedName(&st->table, "the target table name after INSERT INTO")) return nullptr;
    if (!ParseHints(&st->hints)) return nullptr;
    std::string ctx = "INSERT INTO " + NameText(st->table);
    if (Is(TokenType::kLParen) && !IsQueryStart(1) && !Is(TokenType::kLParen, 1)) {
      Advance();
      if (!ParseIdentifierList(&st->columns, fmt::format("a column name in the column list of {}", ctx),
                               fmt::format("',' or ')' to close the column list of {}", ctx))) {
        return nullptr;
      }
    }
    if (!IsQueryStart() && !Is(TokenType::kLParen)) {
      Expected(fmt::format("a query (SELECT, VALUES or WITH) after {}", ctx));
      return nullptr;
    }
    st->query = ParseQuery();
    if (!st->query) return nullptr;
    return st;
  }

  StatementPtr ParseExecuteStatementSet() {
    auto st = std::make_unique<StatementSetStatement>(Peek().pos);
    Advance();
    if (!ExpectKw(Keyword::kSTATEMENT, "STATEMENT SET after EXECUTE")) return nullptr;
    if (!ExpectKw(Keyword::kSET, "SET after EXECUTE STATEMENT")) return nullptr;
    if (!ExpectKw(Keyword::kBEGIN, "BEGIN after EXECUTE STATEMENT SET")) return nullptr;
    return ParseStatementSetBody(std::move(st));
  }

  // The SQL client's form: `BEGIN STATEMENT SET;` INSERT ...; `END`.
  StatementPtr ParseBeginStatementSet() {
    auto st = std::make_unique<StatementSetStatement>(Peek().pos);
    Advance(2);
    if (!ExpectKw(Keyword::kSET, "SET after BEGIN STATEMENT")) return nullptr;
    return ParseStatementSetBody(std::move(st));
  }

  StatementPtr ParseStatementSetBody(std::unique_ptr<StatementSetStatement> st) {
    for (;;) {
      while (Accept(TokenType::kSemicolon)) {
      }
      if (IsKw(Keyword::kEND)) {
        if (st->inserts.empty()) {
          Expected("at least one INSERT INTO in the STATEMENT SET");
          return nullptr;
        }
        Advance();
        return st;
      }
      if (!IsKw(Keyword::kINSERT)) {
        Expected("INSERT INTO or END in the STATEMENT SET");
        return nullptr;
      }
      auto insert = ParseInsert();
      if (!insert) return nullptr;
      st->inserts.push_back(std::move(insert));
      if (!IsKw(Keyword::kEND) && !Expect(TokenType::kSemicolon, "';' or END after the INSERT in the STATEMENT SET")) {
        return nullptr;
      }
    }
  }

  // -- Data types -----------------------------------------------------------

  bool ParseTypeNumber(int32_t* out, std::string_view what) {
    if (!Is(TokenType::kInteger)) return Expected(what);
    std::string_view text = Peek().text;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
    if (ec != std::errc() || end != text.data() + text.size()) {
      return Fail(Peek(), fmt::format("expected {}, found {} which is too large", what, text));
    }
    Advance();
    return true;
  }

  // `(n)` after a type name, if present.
  bool ParseOptionalPrecision(DataType* type, std::string_view type_name) {
    if (!Accept(TokenType::kLParen)) return true;
    type->precision.emplace();
    if (!ParseTypeNumber(&*type->precision, fmt::format("a length or precision in {}(...)", type_name))) return false;
    return Expect(TokenType::kRParen, fmt::format("')' to close {}(...)", type_name));
  }

  bool ParseDataType(DataType* out, std::string_view what) {
    Nest nest(this);
    if (!nest.ok()) return false;
    const Token& t = Peek();
    out->pos = t.pos;
    if (t.type != TokenType::kWord) return Expected(what);
    Keyword k = t.keyword;
    switch (k) {
      case Keyword::kBOOLEAN: out->kind = TypeKind::kBoolean; break;
      case Keyword::kTINYINT: out->kind = TypeKind::kTinyInt; break;
      case Keyword::kSMALLINT: out->kind = TypeKind::kSmallInt; break;
      case Keyword::kINT:
      case Keyword::kINTEGER: out->kind = TypeKind::kInt; break;
      case Keyword::kBIGINT: out->kind = TypeKind::kBigInt; break;
      case Keyword::kFLOAT:
      case Keyword::kREAL: out->kind = TypeKind::kFloat; break;
      case Keyword::kDOUBLE: out->kind = TypeKind::kDouble; break;
      case Keyword::kDECIMAL:
      case Keyword::kDEC:
      case Keyword::kNUMERIC: out->kind = TypeKind::kDecimal; break;
      case Keyword::kCHAR:
      case Keyword::kCHARACTER: out->kind = TypeKind::kChar; break;
      case Keyword::kVARCHAR: out->kind = TypeKind::kVarchar; break;
      case Keyword::kSTRING: out->kind = TypeKind::kString; break;
      case Keyword::kBINARY: out->kind = TypeKind::kBinary; break;
      case Keyword::kVARBINARY: out->kind = TypeKind::kVarbinary; break;
      case Keyword::kBYTES: out->kind = TypeKind::kBytes; break;
      case Keyword::kDATE: out->kind = TypeKind::kDate; break;
      case Keyword::kTIME: out->kind = TypeKind::kTime; break;
      case Keyword::kTIMESTAMP: out->kind = TypeKind::kTimestamp; break;
      case Keyword::kTIMESTAMP_LTZ: out->kind = TypeKind::kTimestampLtz; break;
      case Keyword::kARRAY: out->kind = TypeKind::kArray; break;
      case Keyword::kMULTISET: out->kind = TypeKind::kMultiset; break;
      case Keyword::kMAP: out->kind = TypeKind::kMap; break;
      case Keyword::kROW: out->kind = TypeKind::kRow; break;
      default: return Expected(what);
    }
    std::string type_name(KeywordName(k));
    Advance();
    switch (out->kind) {
      case TypeKind::kDouble: AcceptKw(Keyword::kPRECISION); break;
      case TypeKind::kDecimal:
        if (Accept(TokenType::kLParen)) {
          out->precision.emplace();
          if (!ParseTypeNumber(&*out->precision, "a precision in DECIMAL(p, s)")) return false;
          if (Accept(TokenType::kComma)) {
            out->scale.emplace();
            if (!ParseTypeNumber(&*out->scale, "a scale in DECIMAL(p, s)")) return false;
          }
          if (!Expect(TokenType::kRParen, "')' to close DECIMAL(p, s)")) return false;
        }
        break;
      case TypeKind::kChar:
      case TypeKind::kVarchar:
      case TypeKind::kBinary:
      case TypeKind::kVarbinary:
      case TypeKind::kTimestampLtz:
        if (!ParseOptionalPrecision(out, type_name)) return false;
        break;
      case TypeKind::kTime:
      case TypeKind::kTimestamp:
        if (!ParseOptionalPrecision(out, type_name)) return false;
        if (IsKw(Keyword::kWITHOUT)) {
          Advance();
          if (!ExpectKw(Keyword::kTIME, "TIME ZONE after WITHOUT")) return false;
          if (!ExpectKw(Keyword::kZONE, "ZONE after WITHOUT TIME")) return false;
        } else if (out->kind == TypeKind::kTimestamp && IsKw(Keyword::kWITH) && IsKw(Keyword::kLOCAL, 1)) {
          Advance(2);
          if (!ExpectKw(Keyword::kTIME, "TIME ZONE after WITH LOCAL")) return false;
          if (!ExpectKw(Keyword::kZONE, "ZONE after WITH LOCAL TIME")) return false;
          out->kind = TypeKind::kTimestampLtz;
        }
        break;
      case TypeKind::kArray:
      case TypeKind::kMultiset: {
        if (!Expect(TokenType::kLt, fmt::format("'<' and the element type after {}", type_name))) return false;
        out->element_types.emplace_back();
        if (!ParseDataType(&out->element_types.back(), fmt::format("the element type of {}<...>", type_name))) {
          return false;
        }
        if (!Expect(TokenType::kGt, fmt::format("'>' to close {}<...>", type_name))) return false;
        break;
      }
      case TypeKind::kMap: {
        if (!Expect(TokenType::kLt, "'<' and the key and value types after MAP")) return false;
        out->element_types.emplace_back();
        if (!ParseDataType(&out->element_types.back(), "the key type of MAP<key, value>")) return false;
        if (!Expect(TokenType::kComma, "',' and the value type in MAP<key, value>")) return false;
        out->element_types.emplace_back();
        if (!ParseDataType(&out->element_types.back(), "the value type of MAP<key, value>")) return false;
        if (!Expect(TokenType::kGt, "'>' to close MAP<key, value>")) return false;
        break;
      }
      case TypeKind::kRow: {
        TokenType close;
        if (Accept(TokenType::kLt)) {
          close = TokenType::kGt;
        } else if (Accept(TokenType::kLParen)) {
          close = TokenType::kRParen;
        } else {
          return Expected("'<' and the fields after ROW, as in ROW<id BIGINT, name STRING>");
        }
        for (;;) {
          RowField field;
          if (!ParseIdentifier(&field.name, "a field name in ROW<...>")) return false;
          if (!ParseDataType(&field.type, fmt::format("a data type for field {} of ROW", field.name.name))) {
            return false;
          }
          out->fields.push_back(std::move(field));
          if (Accept(TokenType::kComma)) continue;
          if (Accept(close)) break;
          return Expected(close == TokenType::kGt ? "',' or '>' in ROW<...>" : "',' or ')' in ROW(...)");
        }
        break;
      }
      default: break;
    }
    if (IsKw(Keyword::kNOT) && IsKw(Keyword::kNULL, 1)) {
      Advance(2);
      out->nullability = Nullability::kNotNull;
    } else {
      AcceptKw(Keyword::kNULL);
    }
    return true;
  }

  // -- Queries --------------------------------------------------------------

  std::unique_ptr<Query> ParseQuery() {
    Nest nest(this);
    if (!nest.ok()) return nullptr;
    auto q = std::make_unique<Query>();
    q->pos = Peek().pos;
    if (AcceptKw(Keyword::kWITH)) {
      for (;;) {
        CommonTableExpr cte;
        if (!ParseIdentifier(&cte.name, "a name for the common table expression after WITH")) return nullptr;
        if (Accept(TokenType::kLParen) &&
            !ParseIdentifierList(&cte.columns, "a column name", "',' or ')' to close the WITH column list")) {
          return nullptr;
        }
        if (!ExpectKw(Keyword::kAS, fmt::format("AS after WITH {}", cte.name.name))) return nullptr;
        if (!Expect(TokenType::kLParen, fmt::format("'(' and a query after WITH {} AS", cte.name.name))) {
          return nullptr;
        }
        cte.query = ParseQuery();
        if (!cte.query) return nullptr;
        if (!Expect(TokenType::kRParen, fmt::format("')' to close the query of WITH {}", cte.name.name))) {
          return nullptr;
        }
        q->with.push_back(std::move(cte));
        if (!Accept(TokenType::kComma)) break;
      }
    }
    q->body = ParseSetOperations();
    if (!q->body) return nullptr;
    if (AcceptKw(Keyword::kORDER)) {
      if (!ExpectKw(Keyword::kBY, "BY after ORDER")) return nullptr;
      if (!ParseOrderItems(&q->order_by)) return nullptr;
    }
    if (AcceptKw(Keyword::kLIMIT)) {
      q->limit = ParseExpr();
      if (!q->limit) return nullptr;
    }
    if (AcceptKw(Keyword::kOFFSET)) {
      q->offset = ParseExpr();
      if (!q->offset) return nullptr;
      if (!AcceptKw(Keyword::kROWS)) AcceptKw(Keyword::kROW);
    }
    if (IsKw(Keyword::kFETCH)) {
      if (q->limit) {
        Expected("either LIMIT or FETCH, not both");
        return nullptr;
      }
      Advance();
      if (!AcceptKw(Keyword::kFIRST) && !AcceptKw(Keyword::kNEXT)) {
        Expected("FIRST or NEXT after FETCH");
        return nullptr;
      }
      q->limit = ParseExpr();
      if (!q->limit) return nullptr;
      if (!AcceptKw(Keyword::kROWS) && !AcceptKw(Keyword::kROW)) {
        Expected("ROWS ONLY after FETCH FIRST n");
        return nullptr;
      }
      if (!ExpectKw(Keyword::kONLY, "ONLY after FETCH FIRST n ROWS")) return nullptr;
    }
    return q;
  }

  bool ParseOrderItems(std::vector<OrderItem>* out) {
    for (;;) {
      OrderItem item;
      item.expr = ParseExpr();
      if (!item.expr) return false;
      if (AcceptKw(Keyword::kDESC)) {
        item.direction = SortDirection::kDescending;
      } else {
        AcceptKw(Keyword::kASC);
      }
      if (AcceptKw(Keyword::kNULLS)) {
        if (AcceptKw(Keyword::kFIRST)) {
          item.nulls = NullOrder::kNullsFirst;
        } else if (AcceptKw(Keyword::kLAST)) {
          item.nulls = NullOrder::kNullsLast;
        } else {
          return Expected("FIRST or LAST after NULLS");
        }
      }
      out->push_back(std::move(item));
      if (!Accept(TokenType::kComma)) return true;
    }
  }

  QueryBodyPtr ParseSetOperations() {
    Chain chain(this);
    QueryBodyPtr left = ParseIntersections();
    if (!left) return nullptr;
    for (;;) {
      SetOpKind op;
      if (IsKw(Keyword::kUNION)) {
        op = SetOpKind::kUnion;
      } else if (IsKw(Keyword::kEXCEPT)) {
        op = SetOpKind::kExcept;
      } else {
        return left;
      }
      auto set = std::make_unique<SetOperation>(left->pos);
      Advance();
      set->op = op;
      if (AcceptKw(Keyword::kALL)) {
        set->quantifier = SetQuantifier::kAll;
      } else {
        AcceptKw(Keyword::kDISTINCT);
      }
      if (!chain.Link()) return nullptr;
      set->left = std::move(left);
      set->right = ParseIntersections();
      if (!set->right) return nullptr;
      left = std::move(set);
    }
  }

  QueryBodyPtr ParseIntersections() {
    Chain chain(this);
    QueryBodyPtr left = ParseQueryPrimary();
    if (!left) return nullptr;
    while (IsKw(Keyword::kINTERSECT)) {
      auto set = std::make_unique<SetOperation>(left->pos);
      Advance();
      set->op = SetOpKind::kIntersect;
      if (AcceptKw(Keyword::kALL)) {
        set->quantifier = SetQuantifier::kAll;
      } else {
        AcceptKw(Keyword::kDISTINCT);
      }
      if (!chain.Link()) return nullptr;
      set->left = std::move(left);
      set->right = ParseQueryPrimary();
      if (!set->right) return nullptr;
      left = std::move(set);
    }
    return left;
  }

  QueryBodyPtr ParseQueryPrimary() {
    if (IsKw(Keyword::kSELECT)) return ParseSelect();
    if (IsKw(Keyword::kVALUES)) return ParseValues();
    if (Is(TokenType::kLParen)) {
      auto nested = std::make_unique<NestedQuery>(Peek().pos);
      Advance();
      nested->query = ParseQuery();
      if (!nested->query) return nullptr;
      if (!Expect(TokenType::kRParen, "')' to close the parenthesized query")) return nullptr;
      return nested;
    }
    Expected("SELECT, VALUES or '(' to start a query");
    return nullptr;
  }

  QueryBodyPtr ParseValues() {
    auto values = std::make_unique<Values>(Peek().pos);
    Advance();
    for (;;) {
      std::vector<ExprPtr> row;
      if (IsKw(Keyword::kROW) && Is(TokenType::kLParen, 1)) Advance();
      if (!Expect(TokenType::kLParen, "'(' to start a row of VALUES")) return nullptr;
      if (!ParseExprList(&row, "',' or ')' to close the row of VALUES")) return nullptr;
      values->rows.push_back(std::move(row));
      if (!Accept(TokenType::kComma)) return values;
    }
  }

  // `a, b, c)`: expressions up to and including the closing ')'.
  bool ParseExprList(std::vector<ExprPtr>* out, std::string_view close_what) {
    for (;;) {
      ExprPtr e = ParseExpr();
      if (!e) return false;
      out->push_back(std::move(e));
      if (Accept(TokenType::kComma)) continue;
      return Expect(TokenType::kRParen, close_what);
    }
  }

  bool ParseAlias(std::optional<Identifier>* out) {
    if (AcceptKw(Keyword::kAS)) {
      out->emplace();
      return ParseIdentifier(&**out, "an alias after AS");
    }
    if (IsIdentifier()) {
      out->emplace();
      return ParseIdentifier(&**out, "an alias");
    }
    return true;
  }

  QueryBodyPtr ParseSelect() {
    auto select = std::make_unique<Select>(Peek().pos);
    Advance();
    if (!ParseHints(&select->hints)) return nullptr;
    if (AcceptKw(Keyword::kDISTINCT)) {
      select->quantifier = SetQuantifier::kDistinct;
    } else {
      AcceptKw(Keyword::kALL);
    }
    for (;;) {
      SelectItem item;
      if (IsKw(Keyword::kFROM)) {
        Expected("an expression or '*' in the SELECT list");
        return nullptr;
      }
      item.expr = ParseExpr();
      if (!item.expr) return nullptr;
      if (!ParseAlias(&item.alias)) return nullptr;
      select->items.push_back(std::move(item));
      if (!Accept(TokenType::kComma)) break;
    }
    if (AcceptKw(Keyword::kFROM)) {
      select->from = ParseTableRefs();
      if (!select->from) return nullptr;
    }
    if (AcceptKw(Keyword::kWHERE)) {
      select->where = ParseExpr();
      if (!select->where) return nullptr;
    }
    if (AcceptKw(Keyword::kGROUP)) {
      if (!ExpectKw(Keyword::kBY, "BY after GROUP")) return nullptr;
      for (;;) {
        GroupingElement element;
        if (!ParseGroupingElement(&element, GroupingLevel::kTop)) return nullptr;
        select->group_by.push_back(std::move(element));
        if (!Accept(TokenType::kComma)) break;
      }
    }
    if (AcceptKw(Keyword::kHAVING)) {
      select->having = ParseExpr();
      if (!select->having) return nullptr;
    }
    if (AcceptKw(Keyword::kWINDOW)) {
      for (;;) {
        NamedWindow window;
        if (!ParseIdentifier(&window.name, "a window name after WINDOW")) return nullptr;
        if (!ExpectKw(Keyword::kAS, fmt::format("AS after WINDOW {}", window.name.name))) return nullptr;
        window.spec.pos = Peek().pos;
        if (!Expect(TokenType::kLParen,
                    fmt::format("'(' and a window specification after WINDOW {} AS", window.name.name))) {
          return nullptr;
        }
        if (!ParseWindowSpecBody(&window.spec)) return nullptr;
        select->windows.push_back(std::move(window));
        if (!Accept(TokenType::kComma)) break;
      }
    }
    return select;
  }

  enum class GroupingLevel { kTop, kNested };

  bool ParseGroupingElement(GroupingElement* out, GroupingLevel level) {
    Nest nest(this);
    if (!nest.ok()) return false;
    out->pos = Peek().pos;
    bool sets = IsKw(Keyword::kGROUPING) && IsKw(Keyword::kSETS, 1);
    if (sets || ((IsKw(Keyword::kROLLUP) || IsKw(Keyword::kCUBE)) && Is(TokenType::kLParen, 1))) {
      std::string_view name;
      if (sets) {
        out->kind = GroupingKind::kGroupingSets;
        name = "GROUPING SETS";
        Advance(2);
      } else {
        out->kind = IsKw(Keyword::kROLLUP) ? GroupingKind::kRollup : GroupingKind::kCube;
        name = IsKw(Keyword::kROLLUP) ? "ROLLUP" : "CUBE";
        Advance();
      }
      if (!Expect(TokenType::kLParen, fmt::format("'(' after {}", name))) return false;
      for (;;) {
        GroupingElement child;
        if (!ParseGroupingElement(&child, GroupingLevel::kNested)) return false;
        out->children.push_back(std::move(child));
        if (Accept(TokenType::kComma)) continue;
        return Expect(TokenType::kRParen, fmt::format("',' or ')' to close {}", name));
      }
    }
    if (Is(TokenType::kLParen) && (level == GroupingLevel::kNested || Is(TokenType::kRParen, 1))) {
      out->kind = GroupingKind::kTuple;
      Advance();
      if (Accept(TokenType::kRParen)) return true;
      return ParseExprList(&out->tuple, "',' or ')' to close the grouping set");
    }
    out->kind = GroupingKind::kExpr;
    out->expr = ParseExpr();
    return out->expr != nullptr;
  }

  // -- FROM -----------------------------------------------------------------

  TableRefPtr ParseTableRefs() {
    Chain chain(this);
    TableRefPtr left = ParseTablePrimary();
    if (!left) return nullptr;
    for (;;) {
      SourcePos pos = left->pos;
      JoinKind kind;
      if (Accept(TokenType::kComma)) {
        kind = JoinKind::kComma;
      } else if (AcceptKw(Keyword::kJOIN)) {
        kind = JoinKind::kInner;
      } else if (AcceptKw(Keyword::kINNER)) {
        if (!ExpectKw(Keyword::kJOIN, "JOIN after INNER")) return nullptr;
        kind = JoinKind::kInner;
      } else if (IsKw(Keyword::kLEFT) || IsKw(Keyword::kRIGHT) || IsKw(Keyword::kFULL)) {
        kind = IsKw(Keyword::kLEFT) ? JoinKind::kLeft : IsKw(Keyword::kRIGHT) ? JoinKind::kRight : JoinKind::kFull;
        std::string side(KeywordName(Peek().keyword));
        Advance();
        AcceptKw(Keyword::kOUTER);
        if (!ExpectKw(Keyword::kJOIN, fmt::format("JOIN after {} [OUTER]", side))) return nullptr;
      } else if (AcceptKw(Keyword::kCROSS)) {
        if (!ExpectKw(Keyword::kJOIN, "JOIN after CROSS")) return nullptr;
        kind = JoinKind::kCross;
      } else if (IsKw(Keyword::kNATURAL)) {
        Fail(Peek(), "expected JOIN with ON or USING, found NATURAL JOIN, which Flink does not support");
        return nullptr;
      } else {
        return left;
      }
      if (!chain.Link()) return nullptr;
      auto join = std::make_unique<JoinTableRef>(pos);
      join->join = kind;
      join->left = std::move(left);
      join->right = ParseTablePrimary();
      if (!join->right) return nullptr;
      if (kind != JoinKind::kComma && kind != JoinKind::kCross) {
        if (AcceptKw(Keyword::kON)) {
          join->on = ParseExpr();
          if (!join->on) return nullptr;
        } else if (AcceptKw(Keyword::kUSING)) {
          if (!Expect(TokenType::kLParen, "'(' and column names after USING")) return nullptr;
          if (!ParseIdentifierList(&join->using_columns, "a column name in USING (...)",
                                   "',' or ')' to close USING (...)")) {
            return nullptr;
          }
        } else {
          Expected("ON or USING and the join condition after the joined table");
          return nullptr;
        }
      }
      left = std::move(join);
    }
  }

  // Whether the '(' at the cursor opens a subquery rather than a
  // parenthesized join: the first token after the run of '(' starts a query.
  bool ParenOpensSubquery() const {
    size_t k = 0;
    while (Is(TokenType::kLParen, k) && k <= static_cast<size_t>(kMaxNestingDepth)) ++k;
    return IsQueryStart(k);
  }

  TableRefPtr ParseTablePrimary() {
    Nest nest(this);
    if (!nest.ok()) return nullptr;
    SourcePos pos = Peek().pos;
    TableRefPtr ref;
    if (AcceptKw(Keyword::kLATERAL)) {
      if (IsKw(Keyword::kTABLE) && Is(TokenType::kLParen, 1)) {
        ref = ParseTableFunction(pos, Laterality::kLateral);
      } else if (Is(TokenType::kLParen) && IsQueryStart(1)) {
        ref = ParseSubqueryRef(pos, Laterality::kLateral);
      } else {
        Expected("TABLE(...) or a parenthesized query after LATERAL");
        return nullptr;
      }
    } else if (IsKw(Keyword::kTABLE)) {
      ref = ParseTableFunction(pos, Laterality::kPlain);
    } else if (IsKw(Keyword::kUNNEST)) {
      auto unnest = std::make_unique<UnnestTableRef>(pos);
      Advance();
      if (!Expect(TokenType::kLParen, "'(' after UNNEST")) return nullptr;
      if (!ParseExprList(&unnest->args, "',' or ')' to close UNNEST(...)")) return nullptr;
      if (IsKw(Keyword::kWITH) && IsKw(Keyword::kORDINALITY, 1)) {
        Advance(2);
        unnest->ordinality = Ordinality::kWith;
      }
      ref = std::move(unnest);
    } else if (Is(TokenType::kLParen)) {
      if (ParenOpensSubquery()) {
        ref = ParseSubqueryRef(pos, Laterality::kPlain);
      } else {
        Advance();
        TableRefPtr inner = ParseTableRefs();
        if (!inner) return nullptr;
        if (!Expect(TokenType::kRParen, "')' to close the parenthesized join")) return nullptr;
        return inner;
      }
    } else if (IsIdentifier()) {
      auto named = std::make_unique<NamedTableRef>(pos);
      if (!ParseQualifiedName(&named->name, "a table name")) return nullptr;
      if (!ParseHints(&named->hints)) return nullptr;
      if (AcceptKw(Keyword::kFOR)) {
        if (!ExpectKw(Keyword::kSYSTEM_TIME, "SYSTEM_TIME AS OF after FOR")) return nullptr;
        if (!ExpectKw(Keyword::kAS, "AS OF after FOR SYSTEM_TIME")) return nullptr;
        if (!ExpectKw(Keyword::kOF, "OF after FOR SYSTEM_TIME AS")) return nullptr;
        named->system_time = ParseExpr();
        if (!named->system_time) return nullptr;
      }
      ref = std::move(named);
    } else {
      Expected("a table name, a parenthesized query, TABLE(...), LATERAL or UNNEST in FROM");
      return nullptr;
    }
    if (!ref) return nullptr;
    if (!ParseAlias(&ref->alias)) return nullptr;
    if (ref->alias && Accept(TokenType::kLParen) &&
        !ParseIdentifierList(&ref->column_aliases, "a column alias", "',' or ')' to close the column aliases")) {
      return nullptr;
    }
    return ref;
  }

  TableRefPtr ParseSubqueryRef(SourcePos pos, Laterality laterality) {
    auto sub = std::make_unique<SubqueryTableRef>(pos);
    sub->laterality = laterality;
    Advance();  // (
    sub->query = ParseQuery();
    if (!sub->query) return nullptr;
    if (!Expect(TokenType::kRParen, "')' to close the subquery in FROM")) return nullptr;
    return sub;
  }

  TableRefPtr ParseTableFunction(SourcePos pos, Laterality laterality) {
    auto fn = std::make_unique<TableFunctionRef>(pos);
    fn->laterality = laterality;
    Advance();  // TABLE
    if (!Expect(TokenType::kLParen, "'(' after TABLE, as in TABLE(TUMBLE(...))")) return nullptr;
    if (!ParseQualifiedName(&fn->function, "a table function such as TUMBLE, HOP, CUMULATE or SESSION in TABLE(...)")) {
      return nullptr;
    }
    std::string name = NameText(fn->function);
    if (!Expect(TokenType::kLParen, fmt::format("'(' and the arguments of {}", name))) return nullptr;
    if (!Accept(TokenType::kRParen)) {
      for (;;) {
        TableFunctionArg arg;
        if (!ParseTableFunctionArg(&arg, name)) return nullptr;
        fn->args.push_back(std::move(arg));
        if (Accept(TokenType::kComma)) continue;
        if (!Expect(TokenType::kRParen, fmt::format("',' or ')' to close the arguments of {}", name))) return nullptr;
        break;
      }
    }
    if (!Expect(TokenType::kRParen, fmt::format("')' to close TABLE({}(...))", name))) return nullptr;
    return fn;
  }

  bool ParseTableFunctionArg(TableFunctionArg* arg, const std::string& fn) {
    arg->pos = Peek().pos;
    if (IsIdentifier() && Is(TokenType::kArrow, 1)) {
      arg->name.emplace();
      if (!ParseIdentifier(&*arg->name, "an argument name")) return false;
      Advance();  // =>
    }
    if (AcceptKw(Keyword::kTABLE)) {
      arg->kind = TableArgKind::kTable;
      if (Is(TokenType::kLParen)) {
        Advance();
        arg->subquery = ParseQuery();
        if (!arg->subquery) return false;
        if (!Expect(TokenType::kRParen, "')' to close the subquery after TABLE")) return false;
      } else if (!ParseQualifiedName(&arg->table, fmt::format("a table name after TABLE in {}(...)", fn))) {
        return false;
      }
      if (AcceptKw(Keyword::kPARTITION)) {
        if (!ExpectKw(Keyword::kBY, "BY after PARTITION")) return false;
        if (Accept(TokenType::kLParen)) {
          return ParseExprList(&arg->partition_by, "',' or ')' to close PARTITION BY (...)");
        }
        ExprPtr key = ParseExpr();
        if (!key) return false;
        arg->partition_by.push_back(std::move(key));
      }
      return true;
    }
    if (IsKw(Keyword::kDESCRIPTOR) && Is(TokenType::kLParen, 1)) {
      Advance(2);
      arg->kind = TableArgKind::kDescriptor;
      return ParseIdentifierList(&arg->descriptor, "a time attribute column in DESCRIPTOR(...)",
                                 "',' or ')' to close DESCRIPTOR(...)");
    }
    arg->kind = TableArgKind::kExpr;
    arg->expr = ParseExpr();
    return arg->expr != nullptr;
  }

  // -- Expressions ----------------------------------------------------------
  //
  // Precedence, loosest first (as in Calcite, which Flink uses):
  //   OR < AND < NOT < IS < comparison < BETWEEN/IN/LIKE < + - < * / % || <
  //   unary + - < postfix [] and .field < primary

  ExprPtr ParseExpr() {
    Nest nest(this);
    if (!nest.ok()) return nullptr;
    return ParseOr();
  }

  template <typename Next>
  ExprPtr ParseBinaryChain(Next next, std::optional<BinaryOp> (Parser::*op_at)() const) {
    Chain chain(this);
    ExprPtr left = (this->*next)();
    if (!left) return nullptr;
    for (;;) {
      std::optional<BinaryOp> op = (this->*op_at)();
      if (!op) return left;
      auto bin = std::make_unique<BinaryExpr>(left->pos);
      Advance();
      if (!chain.Link()) return nullptr;
      bin->op = *op;
      bin->left = std::move(left);
      bin->right = (this->*next)();
      if (!bin->right) return nullptr;
      left = std::move(bin);
    }
  }

  std::optional<BinaryOp> OrAt() const {
    return IsKw(Keyword::kOR) ? std::optional<BinaryOp>(BinaryOp::kOr) : std::nullopt;
  }
  std::optional<BinaryOp> AndAt() const {
    return IsKw(Keyword::kAND) ? std::optional<BinaryOp>(BinaryOp::kAnd) : std::nullopt;
  }
  std::optional<BinaryOp> ComparisonAt() const {
    switch (Peek().type) {
      case TokenType::kEq: return BinaryOp::kEq;
      case TokenType::kNotEq: return BinaryOp::kNotEq;
      case TokenType::kLt: return BinaryOp::kLt;
      case TokenType::kLtEq: return BinaryOp::kLtEq;
      case TokenType::kGt: return BinaryOp::kGt;
      case TokenType::kGtEq: return BinaryOp::kGtEq;
      default: return std::nullopt;
    }
  }
  std::optional<BinaryOp> AdditiveAt() const {
    switch (Peek().type) {
      case TokenType::kPlus: return BinaryOp::kPlus;
      case TokenType::kMinus: return BinaryOp::kMinus;
      default: return std::nullopt;
    }
  }
  std::optional<BinaryOp> MultiplicativeAt() const {
    switch (Peek().type) {
      case TokenType::kStar: return BinaryOp::kMultiply;
      case TokenType::kSlash: return BinaryOp::kDivide;
      case TokenType::kPercent: return BinaryOp::kModulo;
      case TokenType::kConcat: return BinaryOp::kConcat;
      default: return std::nullopt;
    }
  }

  ExprPtr ParseOr() { return ParseBinaryChain(&Parser::ParseAnd, &Parser::OrAt); }
  ExprPtr ParseAnd() { return ParseBinaryChain(&Parser::ParseNot, &Parser::AndAt); }

  ExprPtr ParseNot() {
    if (!IsKw(Keyword::kNOT)) return ParseIs();
    Nest nest(this);
    if (!nest.ok()) return nullptr;
    auto not_expr = std::make_unique<UnaryExpr>(Peek().pos);
    Advance();
    not_expr->op = UnaryOp::kNot;
    not_expr->operand = ParseNot();
    if (!not_expr->operand) return nullptr;
    return not_expr;
  }

  ExprPtr ParseIs() {
    Chain chain(this);
    ExprPtr left = ParseComparison();
    if (!left) return nullptr;
    while (IsKw(Keyword::kIS)) {
      SourcePos pos = left->pos;
      Advance();
      Negation negation = AcceptKw(Keyword::kNOT) ? Negation::kNot : Negation::kNone;
      if (!chain.Link()) return nullptr;
      if (AcceptKw(Keyword::kDISTINCT)) {
        if (!ExpectKw(Keyword::kFROM, "FROM after IS [NOT] DISTINCT")) return nullptr;
        auto bin = std::make_unique<BinaryExpr>(pos);
        bin->op = negation == Negation::kNot ? BinaryOp::kIsNotDistinctFrom : BinaryOp::kIsDistinctFrom;
        bin->left = std::move(left);
        bin->right = ParseComparison();
        if (!bin->right) return nullptr;
        left = std::move(bin);
        continue;
      }
      auto is = std::make_unique<IsPredicateExpr>(pos);
      is->negation = negation;
      if (AcceptKw(Keyword::kNULL)) {
        is->target = IsTarget::kNull;
      } else if (AcceptKw(Keyword::kTRUE)) {
        is->target = IsTarget::kTrue;
      } else if (AcceptKw(Keyword::kFALSE)) {
        is->target = IsTarget::kFalse;
      } else if (AcceptKw(Keyword::kUNKNOWN)) {
        is->target = IsTarget::kUnknown;
      } else {
        Expected(negation == Negation::kNot ? "NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM after IS NOT"
                                            : "NULL, TRUE, FALSE, UNKNOWN, DISTINCT FROM or NOT after IS");
        return nullptr;
      }
      is->operand = std::move(left);
      left = std::move(is);
    }
    return left;
  }

  ExprPtr ParseComparison() { return ParseBinaryChain(&Parser::ParsePredicate, &Parser::ComparisonAt); }

  ExprPtr ParsePredicate() {
    Chain chain(this);
    ExprPtr left = ParseAdditive();
    if (!left) return nullptr;
    for (;;) {
      SourcePos pos = left->pos;
      Negation negation = Negation::kNone;
      size_t skip = 0;
      if (IsKw(Keyword::kNOT)) {
        negation = Negation::kNot;
        skip = 1;
      }
      if (IsKw(Keyword::kIN, skip)) {
        Advance(skip + 1);
        if (!chain.Link()) return nullptr;
        auto in = std::make_unique<InExpr>(pos);
        in->negation = negation;
        in->operand = std::move(left);
        if (!Expect(TokenType::kLParen, "'(' and a list of values or a subquery after IN")) return nullptr;
        if (IsQueryStart()) {
          in->subquery = ParseQuery();
          if (!in->subquery) return nullptr;
          if (!Expect(TokenType::kRParen, "')' to close the subquery after IN")) return nullptr;
        } else if (!ParseExprList(&in->list, "',' or ')' to close the IN list")) {
          return nullptr;
        }
        left = std::move(in);
      } else if (IsKw(Keyword::kBETWEEN, skip)) {
        Advance(skip + 1);
        if (!chain.Link()) return nullptr;
        auto between = std::make_unique<BetweenExpr>(pos);
        between->negation = negation;
        if (AcceptKw(Keyword::kSYMMETRIC)) {
          between->symmetry = BetweenSymmetry::kSymmetric;
        } else {
          AcceptKw(Keyword::kASYMMETRIC);
        }
        between->operand = std::move(left);
        between->low = ParseAdditive();
        if (!between->low) return nullptr;
        if (!ExpectKw(Keyword::kAND, "AND and the upper bound of BETWEEN")) return nullptr;
        between->high = ParseAdditive();
        if (!between->high) return nullptr;
        left = std::move(between);
      } else if (IsKw(Keyword::kLIKE, skip) || (IsKw(Keyword::kSIMILAR, skip))) {
        bool similar = IsKw(Keyword::kSIMILAR, skip);
        Advance(skip + 1);
        if (similar && !ExpectKw(Keyword::kTO, "TO after SIMILAR")) return nullptr;
        if (!chain.Link()) return nullptr;
        auto like = std::make_unique<LikeExpr>(pos);
        like->like_kind = similar ? LikeKind::kSimilarTo : LikeKind::kLike;
        like->negation = negation;
        like->operand = std::move(left);
        like->pattern = ParseAdditive();
        if (!like->pattern) return nullptr;
        if (AcceptKw(Keyword::kESCAPE)) {
          like->escape = ParseAdditive();
          if (!like->escape) return nullptr;
        }
        left = std::move(like);
      } else {
        return left;
      }
    }
  }

  ExprPtr ParseAdditive() { return ParseBinaryChain(&Parser::ParseMultiplicative, &Parser::AdditiveAt); }
  ExprPtr ParseMultiplicative() { return ParseBinaryChain(&Parser::ParseUnary, &Parser::MultiplicativeAt); }

  ExprPtr ParseUnary() {
    if (!Is(TokenType::kMinus) && !Is(TokenType::kPlus)) return ParsePostfix();
    Nest nest(this);
    if (!nest.ok()) return nullptr;
    auto unary = std::make_unique<UnaryExpr>(Peek().pos);
    unary->op = Is(TokenType::kMinus) ? UnaryOp::kMinus : UnaryOp::kPlus;
    Advance();
    unary->operand = ParseUnary();
    if (!unary->operand) return nullptr;
    return unary;
  }

  ExprPtr ParsePostfix() {
    Chain chain(this);
    ExprPtr left = ParsePrimary();
    if (!left) return nullptr;
    for (;;) {
      SourcePos pos = left->pos;
      if (Accept(TokenType::kLBracket)) {
        if (!chain.Link()) return nullptr;
        auto item = std::make_unique<ItemAccessExpr>(pos);
        item->operand = std::move(left);
        item->index = ParseExpr();
        if (!item->index) return nullptr;
        if (!Expect(TokenType::kRBracket, "']' to close the index")) return nullptr;
        left = std::move(item);
      } else if (Is(TokenType::kDot)) {
        Advance();
        if (!chain.Link()) return nullptr;
        auto field = std::make_unique<FieldAccessExpr>(pos);
        field->operand = std::move(left);
        if (!ParseIdentifier(&field->field, "a field name after '.'")) return nullptr;
        left = std::move(field);
      } else {
        return left;
      }
    }
  }

  ExprPtr MakeLiteral(LiteralKind kind, std::string text, SourcePos pos) {
    auto lit = std::make_unique<LiteralExpr>(pos);
    lit->literal_kind = kind;
    lit->text = std::move(text);
    return lit;
  }

  ExprPtr ParsePrimary() {
    const Token& t = Peek();
    SourcePos pos = t.pos;
    switch (t.type) {
      case TokenType::kInteger:
      case TokenType::kDecimal:
      case TokenType::kDouble: {
        LiteralKind kind = t.type == TokenType::kInteger   ? LiteralKind::kInteger
                           : t.type == TokenType::kDecimal ? LiteralKind::kDecimal
                                                           : LiteralKind::kDouble;
        ExprPtr lit = MakeLiteral(kind, t.value, pos);
        Advance();
        return lit;
      }
      case TokenType::kString: {
        ExprPtr lit = MakeLiteral(LiteralKind::kString, t.value, pos);
        Advance();
        return lit;
      }
      case TokenType::kBinaryString: {
        ExprPtr lit = MakeLiteral(LiteralKind::kBinary, t.value, pos);
        Advance();
        return lit;
      }
      case TokenType::kLParen: {
        Advance();
        if (IsQueryStart()) {
          auto sub = std::make_unique<SubqueryExpr>(pos);
          sub->query = ParseQuery();
          if (!sub->query) return nullptr;
          if (!Expect(TokenType::kRParen, "')' to close the subquery")) return nullptr;
          return sub;
        }
        ExprPtr inner = ParseExpr();
        if (!inner) return nullptr;
        if (!Expect(TokenType::kRParen, "')' to close the parenthesized expression")) return nullptr;
        return inner;
      }
      case TokenType::kStar: {
        Advance();
        return std::make_unique<StarExpr>(pos);
      }
      case TokenType::kQuotedIdentifier: return ParseNameOrCall();
      case TokenType::kWord: break;
      default: Expected("an expression"); return nullptr;
    }
    switch (t.keyword) {
      case Keyword::kNULL: Advance(); return MakeLiteral(LiteralKind::kNull, "NULL", pos);
      case Keyword::kTRUE: Advance(); return MakeLiteral(LiteralKind::kBoolean, "TRUE", pos);
      case Keyword::kFALSE: Advance(); return MakeLiteral(LiteralKind::kBoolean, "FALSE", pos);
      case Keyword::kINTERVAL: return ParseInterval();
      case Keyword::kCASE: return ParseCase();
      case Keyword::kCAST: return ParseCast(CastMode::kCast);
      case Keyword::kEXISTS: {
        Advance();
        auto exists = std::make_unique<ExistsExpr>(pos);
        if (!Expect(TokenType::kLParen, "'(' and a subquery after EXISTS")) return nullptr;
        if (!IsQueryStart()) {
          Expected("a subquery after EXISTS (");
          return nullptr;
        }
        exists->query = ParseQuery();
        if (!exists->query) return nullptr;
        if (!Expect(TokenType::kRParen, "')' to close the subquery after EXISTS")) return nullptr;
        return exists;
      }
      default: break;
    }
    bool call = Is(TokenType::kLParen, 1);
    if (call && t.keyword == Keyword::kTRY_CAST) return ParseCast(CastMode::kTryCast);
    if (call && t.keyword == Keyword::kEXTRACT) return ParseExtract();
    if (call && t.keyword == Keyword::kTRIM) return ParseTrim();
    if (Is(TokenType::kString, 1) &&
        (t.keyword == Keyword::kDATE || t.keyword == Keyword::kTIME || t.keyword == Keyword::kTIMESTAMP)) {
      LiteralKind kind = t.keyword == Keyword::kDATE   ? LiteralKind::kDate
                         : t.keyword == Keyword::kTIME ? LiteralKind::kTime
                                                       : LiteralKind::kTimestamp;
      Advance();
      ExprPtr lit = MakeLiteral(kind, Peek().value, pos);
      Advance();
      return lit;
    }
    if (call && t.keyword == Keyword::kROW) {
      Advance(2);
      auto row = std::make_unique<ConstructorExpr>(pos);
      row->constructor = ConstructorKind::kRow;
      if (Accept(TokenType::kRParen)) return row;
      if (!ParseExprList(&row->elements, "',' or ')' to close ROW(...)")) return nullptr;
      return row;
    }
    if (Is(TokenType::kLBracket, 1) && (t.keyword == Keyword::kARRAY || t.keyword == Keyword::kMAP)) {
      bool map = t.keyword == Keyword::kMAP;
      Advance(2);
      auto ctor = std::make_unique<ConstructorExpr>(pos);
      ctor->constructor = map ? ConstructorKind::kMap : ConstructorKind::kArray;
      for (;;) {
        ExprPtr e = ParseExpr();
        if (!e) return nullptr;
        ctor->elements.push_back(std::move(e));
        if (Accept(TokenType::kComma)) continue;
        if (!Expect(TokenType::kRBracket, map ? "',' or ']' to close MAP[...]" : "',' or ']' to close ARRAY[...]")) {
          return nullptr;
        }
        break;
      }
      if (map && ctor->elements.size() % 2 != 0) {
        Fail(pos, "expected key-value pairs in MAP[key1, value1, key2, value2, ...], found an odd number of elements");
        return nullptr;
      }
      return ctor;
    }
    if ((t.keyword == Keyword::kLEFT || t.keyword == Keyword::kRIGHT) && Is(TokenType::kLParen, 1)) {
      // LEFT(s, n) / RIGHT(s, n): functions named by reserved words (join sides).
      QualifiedName name;
      name.parts.push_back(Identifier{std::string(t.text), pos, Quoting::kBare});
      Advance();
      return ParseCall(pos, std::move(name));
    }
    if (IsIdentifier()) return ParseNameOrCall();
    Expected("an expression");
    return nullptr;
  }

  ExprPtr ParseNameOrCall() {
    SourcePos pos = Peek().pos;
    QualifiedName name;
    Identifier part;
    if (!ParseIdentifier(&part, "a name")) return nullptr;
    name.parts.push_back(std::move(part));
    while (Is(TokenType::kDot)) {
      if (Is(TokenType::kStar, 1)) {
        Advance(2);
        auto star = std::make_unique<StarExpr>(pos);
        star->qualifier = std::move(name);
        return star;
      }
      Advance();
      if (!ParseIdentifier(&part, "a field or column name after '.'")) return nullptr;
      name.parts.push_back(std::move(part));
    }
    if (Is(TokenType::kLParen)) return ParseCall(pos, std::move(name));
    const Identifier& first = name.parts.front();
    if (name.parts.size() == 1 && first.quoting == Quoting::kBare && IsNiladicFunction(LookupKeyword(first.name))) {
      auto call = std::make_unique<FunctionCallExpr>(pos);
      call->name = std::move(name);
      call->syntax = CallSyntax::kNiladic;
      return call;
    }
    auto ref = std::make_unique<ColumnRefExpr>(pos);
    ref->name = std::move(name);
    return ref;
  }

  // An optional hint comment: /*+ NAME[(option, ...)] [, NAME(...)] */ where
  // an option is 'key' = 'value' or a plain identifier, number or string.
  bool ParseHints(std::vector<Hint>* out) {
    if (!Accept(TokenType::kHintStart)) return true;
    for (;;) {
      Hint& hint = out->emplace_back();
      if (!ParseIdentifier(&hint.name, "a hint name such as OPTIONS after /*+")) return false;
      if (Accept(TokenType::kLParen)) {
        for (;;) {
          if (Is(TokenType::kString) && Is(TokenType::kEq, 1)) {
            std::string key = Peek().value;
            Advance(2);
            if (!Is(TokenType::kString)) {
              Expected(fmt::format("a string value after '{}' = in {}(...)", key, hint.name.name));
              return false;
            }
            hint.kv_options.emplace_back(std::move(key), Peek().value);
            Advance();
          } else if (Is(TokenType::kWord) || Is(TokenType::kQuotedIdentifier) || Is(TokenType::kString) ||
                     Is(TokenType::kInteger) || Is(TokenType::kDecimal)) {
            hint.options.emplace_back(Peek().text);
            Advance();
          } else {
            Expected(fmt::format("'key' = 'value' or a name in {}(...)", hint.name.name));
            return false;
          }
          if (Accept(TokenType::kComma)) continue;
          if (!Expect(TokenType::kRParen, fmt::format("',' or ')' to close {}(...)", hint.name.name))) return false;
          break;
        }
      }
      if (Accept(TokenType::kComma)) continue;
      return Expect(TokenType::kHintEnd, "',' or '*/' to close the hint");
    }
  }

  static bool IsJsonFunction(std::string_view fn) {
    return EqualsIgnoreCase(fn, "JSON_VALUE") || EqualsIgnoreCase(fn, "JSON_QUERY") ||
           EqualsIgnoreCase(fn, "JSON_EXISTS");
  }

  bool IsWord(std::string_view word, size_t ahead = 0) const {
    return Is(TokenType::kWord, ahead) && EqualsIgnoreCase(Peek(ahead).text, word);
  }

  // JSON_VALUE(doc, path [RETURNING type] [b ON EMPTY] [b ON ERROR]) where b
  // is NULL | ERROR | DEFAULT expr (JSON_EXISTS: TRUE | FALSE | UNKNOWN | ERROR).
  bool ParseJsonClauses(FunctionCallExpr* call, std::string_view fn) {
    call->json = std::make_unique<JsonClauses>();
    JsonClauses& j = *call->json;
    if (IsWord("RETURNING")) {
      Advance();
      j.returning.emplace();
      if (!ParseDataType(&*j.returning, fmt::format("a data type after RETURNING in {}", fn))) return false;
    }
    while (!Is(TokenType::kRParen)) {
      JsonBehavior b;
      if (IsKw(Keyword::kNULL)) {
        b.kind = JsonBehaviorKind::kNull;
      } else if (IsWord("ERROR")) {
        b.kind = JsonBehaviorKind::kError;
      } else if (IsKw(Keyword::kTRUE)) {
        b.kind = JsonBehaviorKind::kTrue;
      } else if (IsKw(Keyword::kFALSE)) {
        b.kind = JsonBehaviorKind::kFalse;
      } else if (IsKw(Keyword::kUNKNOWN)) {
        b.kind = JsonBehaviorKind::kUnknown;
      } else if (IsWord("DEFAULT")) {
        b.kind = JsonBehaviorKind::kDefault;
      } else {
        Expected(fmt::format("RETURNING, NULL, ERROR, DEFAULT value (ON EMPTY / ON ERROR) or ')' in {}", fn));
        return false;
      }
      Advance();
      if (b.kind == JsonBehaviorKind::kDefault) {
        b.value = ParseExpr();
        if (!b.value) return false;
      }
      if (!ExpectKw(Keyword::kON, fmt::format("ON EMPTY or ON ERROR in {}", fn))) return false;
      if (IsWord("EMPTY") && !j.on_empty && !j.on_error) {
        Advance();
        j.on_empty = std::move(b);
      } else if (IsWord("ERROR") && !j.on_error) {
        Advance();
        j.on_error = std::move(b);
      } else {
        Expected(j.on_error ? "')' after ON ERROR" : "EMPTY or ERROR after ON");
        return false;
      }
    }
    return true;
  }

  static bool IsBareNamed(const QualifiedName& name, Keyword kw) {
    return name.parts.size() == 1 && name.parts[0].quoting == Quoting::kBare && LookupKeyword(name.parts[0].name) == kw;
  }

  ExprPtr ParseCall(SourcePos pos, QualifiedName name) {
    auto call = std::make_unique<FunctionCallExpr>(pos);
    call->name = std::move(name);
    std::string fn = NameText(call->name);
    Advance();  // (
    if (IsBareNamed(call->name, Keyword::kPOSITION)) {
      // POSITION(needle IN haystack); the needle skips ParseExpr's guard.
      Nest nest(this);
      if (!nest.ok()) return nullptr;
      ExprPtr needle = ParseAdditive();
      if (!needle) return nullptr;
      if (!ExpectKw(Keyword::kIN, "IN in POSITION(needle IN haystack)")) return nullptr;
      ExprPtr haystack = ParseExpr();
      if (!haystack) return nullptr;
      if (!Expect(TokenType::kRParen, "')' to close POSITION(...)")) return nullptr;
      call->args.push_back(std::move(needle));
      call->args.push_back(std::move(haystack));
      return call;
    }
    if (!Accept(TokenType::kRParen)) {
      if (AcceptKw(Keyword::kDISTINCT)) {
        call->quantifier = SetQuantifier::kDistinct;
      } else {
        AcceptKw(Keyword::kALL);
      }
      bool substring = IsBareNamed(call->name, Keyword::kSUBSTRING);
      bool rounding =
          call->name.parts.size() == 1 && call->name.parts[0].quoting == Quoting::kBare &&
          (EqualsIgnoreCase(fn, "FLOOR") || EqualsIgnoreCase(fn, "CEIL") || EqualsIgnoreCase(fn, "CEILING"));
      for (;;) {
        ExprPtr arg = ParseExpr();
        if (!arg) return nullptr;
        call->args.push_back(std::move(arg));
        if (rounding && call->args.size() == 1 && AcceptKw(Keyword::kTO)) {
          // FLOOR(ts TO unit) / CEIL(ts TO unit).
          std::optional<TimeUnit> unit = Is(TokenType::kWord) ? ExtractUnit(Peek().keyword) : std::nullopt;
          if (!unit) {
            Expected(fmt::format("a time unit such as DAY, HOUR or MINUTE after {}(... TO", fn));
            return nullptr;
          }
          Advance();
          call->to_unit = *unit;
          if (!Expect(TokenType::kRParen, fmt::format("')' to close {}(... TO unit)", fn))) return nullptr;
          break;
        }
        if (substring && call->args.size() == 1 && AcceptKw(Keyword::kFROM)) {
          // SUBSTRING(s FROM start [FOR length]) is SUBSTRING(s, start[, length]).
          ExprPtr start = ParseExpr();
          if (!start) return nullptr;
          call->args.push_back(std::move(start));
          if (AcceptKw(Keyword::kFOR)) {
            ExprPtr length = ParseExpr();
            if (!length) return nullptr;
            call->args.push_back(std::move(length));
          }
          if (!Expect(TokenType::kRParen, "FOR or ')' to close SUBSTRING(... FROM ...)")) return nullptr;
          break;
        }
        if (Accept(TokenType::kComma)) continue;
        if (call->args.size() >= 2 && IsJsonFunction(fn) && !Is(TokenType::kRParen)) {
          if (!ParseJsonClauses(call.get(), fn)) return nullptr;
        }
        if (!Expect(TokenType::kRParen, fmt::format("',' or ')' to close the arguments of {}", fn))) return nullptr;
        break;
      }
    }
    if (IsKw(Keyword::kFILTER) && Is(TokenType::kLParen, 1)) {
      Advance(2);
      if (!ExpectKw(Keyword::kWHERE, fmt::format("WHERE after {}(...) FILTER (", fn))) return nullptr;
      call->filter = ParseExpr();
      if (!call->filter) return nullptr;
      if (!Expect(TokenType::kRParen, "')' to close FILTER (WHERE ...)")) return nullptr;
    }
    if (IsKw(Keyword::kOVER)) {
      call->over = std::make_unique<WindowSpec>();
      call->over->pos = Peek().pos;
      Advance();
      if (Accept(TokenType::kLParen)) {
        if (!ParseWindowSpecBody(call->over.get())) return nullptr;
      } else if (IsIdentifier()) {
        call->over->reference.emplace();
        if (!ParseIdentifier(&*call->over->reference, "a window name")) return nullptr;
      } else {
        Expected(fmt::format("'(' or a window name after {}(...) OVER", fn));
        return nullptr;
      }
    }
    return call;
  }

  // After the '(' of a window specification, up to and including ')'.
  bool ParseWindowSpecBody(WindowSpec* spec) {
    // Frame offsets skip ParseExpr's guard: `f() OVER (ROWS f() OVER (ROWS ...`.
    Nest nest(this);
    if (!nest.ok()) return false;
    if (IsIdentifier() && !IsKw(Keyword::kPARTITION) && !IsKw(Keyword::kROWS) && !IsKw(Keyword::kRANGE)) {
      spec->reference.emplace();
      if (!ParseIdentifier(&*spec->reference, "a window name")) return false;
    }
    if (AcceptKw(Keyword::kPARTITION)) {
      if (!ExpectKw(Keyword::kBY, "BY after PARTITION")) return false;
      for (;;) {
        ExprPtr e = ParseExpr();
        if (!e) return false;
        spec->partition_by.push_back(std::move(e));
        if (!Accept(TokenType::kComma)) break;
      }
    }
    if (AcceptKw(Keyword::kORDER)) {
      if (!ExpectKw(Keyword::kBY, "BY after ORDER")) return false;
      if (!ParseOrderItems(&spec->order_by)) return false;
    }
    if (IsKw(Keyword::kROWS) || IsKw(Keyword::kRANGE)) {
      WindowFrame frame;
      frame.pos = Peek().pos;
      frame.unit = IsKw(Keyword::kROWS) ? FrameUnit::kRows : FrameUnit::kRange;
      Advance();
      if (AcceptKw(Keyword::kBETWEEN)) {
        if (!ParseFrameBound(&frame.start)) return false;
        if (!ExpectKw(Keyword::kAND, "AND between the two frame bounds")) return false;
        frame.end.emplace();
        if (!ParseFrameBound(&*frame.end)) return false;
      } else if (!ParseFrameBound(&frame.start)) {
        return false;
      }
      spec->frame = std::move(frame);
    }
    return Expect(TokenType::kRParen, "PARTITION BY, ORDER BY, ROWS, RANGE or ')' in the window specification");
  }

  bool ParseFrameBound(FrameBound* bound) {
    bound->pos = Peek().pos;
    if (IsKw(Keyword::kUNBOUNDED)) {
      Advance();
      if (AcceptKw(Keyword::kPRECEDING)) {
        bound->kind = FrameBoundKind::kUnboundedPreceding;
      } else if (AcceptKw(Keyword::kFOLLOWING)) {
        bound->kind = FrameBoundKind::kUnboundedFollowing;
      } else {
        return Expected("PRECEDING or FOLLOWING after UNBOUNDED");
      }
      return true;
    }
    if (IsKw(Keyword::kCURRENT) && IsKw(Keyword::kROW, 1)) {
      Advance(2);
      bound->kind = FrameBoundKind::kCurrentRow;
      return true;
    }
    bound->offset = ParseAdditive();
    if (!bound->offset) return false;
    if (AcceptKw(Keyword::kPRECEDING)) {
      bound->kind = FrameBoundKind::kPreceding;
    } else if (AcceptKw(Keyword::kFOLLOWING)) {
      bound->kind = FrameBoundKind::kFollowing;
    } else {
      return Expected("PRECEDING or FOLLOWING after the frame offset");
    }
    return true;
  }

  ExprPtr ParseInterval() {
    auto lit = std::make_unique<LiteralExpr>(Peek().pos);
    lit->literal_kind = LiteralKind::kInterval;
    Advance();
    if (Accept(TokenType::kMinus)) {
      lit->interval_sign = Sign::kNegative;
    } else {
      Accept(TokenType::kPlus);
    }
    if (!Is(TokenType::kString)) {
      Expected("a quoted interval value such as '10' after INTERVAL");
      return nullptr;
    }
    lit->text = Peek().value;
    Advance();
    std::optional<TimeUnit> start = Is(TokenType::kWord) ? IntervalUnit(Peek().keyword) : std::nullopt;
    if (!start) {
      Expected(fmt::format("a time unit (YEAR, MONTH, DAY, HOUR, MINUTE or SECOND) after INTERVAL '{}'", lit->text));
      return nullptr;
    }
    lit->interval.start = *start;
    std::string start_text(Peek().text);
    Advance();
    if (IsKw(Keyword::kTO)) {
      SourcePos to_pos = Peek().pos;
      Advance();
      std::optional<TimeUnit> end = Is(TokenType::kWord) ? IntervalUnit(Peek().keyword) : std::nullopt;
      if (!end) {
        Expected("a time unit (MONTH, HOUR, MINUTE or SECOND) after TO in the INTERVAL");
        return nullptr;
      }
      if (!ValidIntervalRange(*start, *end)) {
        Fail(to_pos, fmt::format("expected YEAR TO MONTH, DAY TO HOUR|MINUTE|SECOND, HOUR TO MINUTE|SECOND or "
                                 "MINUTE TO SECOND in the INTERVAL, found a {} TO {} range",
                                 start_text, Peek().text));
        return nullptr;
      }
      lit->interval.end = *end;
      Advance();
    }
    return lit;
  }

  ExprPtr ParseCase() {
    auto c = std::make_unique<CaseExpr>(Peek().pos);
    Advance();
    if (IsKw(Keyword::kEND)) {
      Expected("WHEN in the CASE expression");
      return nullptr;
    }
    if (!IsKw(Keyword::kWHEN)) {
      c->operand = ParseExpr();
      if (!c->operand) return nullptr;
    }
    if (!IsKw(Keyword::kWHEN)) {
      Expected("WHEN in the CASE expression");
      return nullptr;
    }
    while (AcceptKw(Keyword::kWHEN)) {
      WhenClause when;
      when.condition = ParseExpr();
      if (!when.condition) return nullptr;
      if (!ExpectKw(Keyword::kTHEN, "THEN after the WHEN condition")) return nullptr;
      when.result = ParseExpr();
      if (!when.result) return nullptr;
      c->whens.push_back(std::move(when));
    }
    if (AcceptKw(Keyword::kELSE)) {
      c->else_result = ParseExpr();
      if (!c->else_result) return nullptr;
      if (!ExpectKw(Keyword::kEND, "END to close the CASE expression")) return nullptr;
      return c;
    }
    if (!ExpectKw(Keyword::kEND, "WHEN, ELSE or END in the CASE expression")) return nullptr;
    return c;
  }

  ExprPtr ParseCast(CastMode mode) {
    auto cast = std::make_unique<CastExpr>(Peek().pos);
    cast->mode = mode;
    std::string_view name = mode == CastMode::kCast ? "CAST" : "TRY_CAST";
    Advance();
    if (!Expect(TokenType::kLParen, fmt::format("'(' after {}", name))) return nullptr;
    cast->operand = ParseExpr();
    if (!cast->operand) return nullptr;
    if (!ExpectKw(Keyword::kAS, fmt::format("AS and the target type in {}(... AS type)", name))) return nullptr;
    if (!ParseDataType(&cast->type, fmt::format("a data type after AS in {}", name))) return nullptr;
    if (!Expect(TokenType::kRParen, fmt::format("')' to close {}(...)", name))) return nullptr;
    return cast;
  }

  ExprPtr ParseExtract() {
    auto extract = std::make_unique<ExtractExpr>(Peek().pos);
    Advance(2);
    std::optional<TimeUnit> unit = Is(TokenType::kWord) ? ExtractUnit(Peek().keyword) : std::nullopt;
    if (!unit) {
      Expected("a time unit such as YEAR, MONTH, DAY, HOUR, MINUTE or SECOND after EXTRACT(");
      return nullptr;
    }
    extract->unit = *unit;
    Advance();
    if (!ExpectKw(Keyword::kFROM, "FROM after the unit in EXTRACT(unit FROM value)")) return nullptr;
    extract->operand = ParseExpr();
    if (!extract->operand) return nullptr;
    if (!Expect(TokenType::kRParen, "')' to close EXTRACT(...)")) return nullptr;
    return extract;
  }

  ExprPtr ParseTrim() {
    auto trim = std::make_unique<TrimExpr>(Peek().pos);
    Advance(2);
    bool side_written = true;
    if (AcceptKw(Keyword::kBOTH)) {
      trim->side = TrimSide::kBoth;
    } else if (AcceptKw(Keyword::kLEADING)) {
      trim->side = TrimSide::kLeading;
    } else if (AcceptKw(Keyword::kTRAILING)) {
      trim->side = TrimSide::kTrailing;
    } else {
      side_written = false;
    }
    if (AcceptKw(Keyword::kFROM)) {
      trim->operand = ParseExpr();
      if (!trim->operand) return nullptr;
    } else {
      ExprPtr first = ParseExpr();
      if (!first) return nullptr;
      if (AcceptKw(Keyword::kFROM)) {
        trim->characters = std::move(first);
        trim->operand = ParseExpr();
        if (!trim->operand) return nullptr;
      } else if (side_written) {
        Expected("FROM and the string to trim in TRIM(BOTH|LEADING|TRAILING chars FROM string)");
        return nullptr;
      } else {
        trim->operand = std::move(first);
      }
    }
    if (!Expect(TokenType::kRParen, "')' to close TRIM(...)")) return nullptr;
    return trim;
  }

  std::string_view src_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  Status error_;
  std::string last_element_;  // "column price", "WATERMARK": names the spot in a column-list error
  int nesting_ = 0;
  int height_ = 0;
  int peak_ = 0;
};

}  // namespace

Result<Script> ParseScript(std::string_view sql) {
  Result<std::vector<Token>> tokens = Tokenize(sql);
  if (!tokens.ok()) return tokens.status();
  Parser parser(sql, std::move(tokens).value());
  Script script;
  if (!parser.ParseScript(&script)) return parser.error();
  return script;
}

Result<StatementPtr> ParseStatement(std::string_view sql) {
  Result<std::vector<Token>> tokens = Tokenize(sql);
  if (!tokens.ok()) return tokens.status();
  Parser parser(sql, std::move(tokens).value());
  StatementPtr statement = parser.ParseOneStatement();
  if (!statement) return parser.error();
  return statement;
}

Result<ExprPtr> ParseExpression(std::string_view sql) {
  Result<std::vector<Token>> tokens = Tokenize(sql);
  if (!tokens.ok()) return tokens.status();
  Parser parser(sql, std::move(tokens).value());
  ExprPtr expr = parser.ParseOneExpression();
  if (!expr) return parser.error();
  return expr;
}

}  // namespace sluice::sql
