// Counts heap allocations in the steady state of the hot path: once tables
// and buffers have grown to their working size, processing a batch through
// filter/project, the key-by exchange, window and group aggregation must not
// allocate. This binary replaces the global operator new to count.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "engine/calc_operator.h"
#include "engine/channel.h"
#include "engine/exchange_operator.h"
#include "engine/group_aggregate_operator.h"
#include "engine/memory_source.h"
#include "engine/over_aggregate_operator.h"
#include "engine/window_operator.h"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<int64_t> g_allocations{0};
}  // namespace

void* operator new(size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
  void* p = std::malloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  return p;
}
void* operator new[](size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace sluice::engine {
namespace {

using namespace std::chrono_literals;

const Schema kSchema({{"auction", DataType::kInt64},
                      {"bidder", DataType::kString},
                      {"price", DataType::kInt64},
                      {"ts", DataType::kTimestamp}});

class CountingOperator : public Operator {
 public:
  explicit CountingOperator(Schema s) : schema_(std::move(s)) {}
  std::string name() const override { return "count"; }
  const Schema& output_schema() const override { return schema_; }
  Status Process(Batch& b) override {
    rows += b.active_rows();
    return Status::Ok();
  }
  Status OnWatermark(int64_t) override { return Status::Ok(); }
  int64_t rows = 0;

 private:
  Schema schema_;
};

// Fills `b` with rows for keys 0..999 and timestamps continuing from *t.
void FillBatch(Batch* b, int64_t* t, int64_t* seq) {
  b->Clear();
  const int n = b->capacity();
  for (int i = 0; i < n; ++i, ++*seq) {
    b->column(0).data<int64_t>()[i] = *seq % 1000;
    b->column(1).SetString(i, (*seq % 3) ? "alice" : "bob");
    b->column(2).data<int64_t>()[i] = *seq % 97;
    b->column(3).data<int64_t>()[i] = *t + (*seq % 7);  // slightly out of order
    *t += 1;
  }
  for (int c = 0; c < 4; ++c) b->column(c).SetAllValid();
  b->set_num_rows(n);
}

// Runs `batches` batches through `head`, advancing the watermark after each.
void Drive(Operator* head, Batch* input, int batches, int64_t* t, int64_t* seq) {
  for (int i = 0; i < batches; ++i) {
    FillBatch(input, t, seq);
    ASSERT_TRUE(head->Process(*input).ok());
    ASSERT_TRUE(head->OnWatermark(*t - 100).ok());
  }
}

int64_t CountAllocations(Operator* head, Batch* input, int64_t* t, int64_t* seq) {
  Drive(head, input, 400, t, seq);  // warm-up: tables and pools reach their working size
  g_allocations.store(0);
  g_counting.store(true);
  Drive(head, input, 2000, t, seq);
  g_counting.store(false);
  return g_allocations.load();
}

TEST(AllocationTest, FilterProjectAndWindowsDoNotAllocateInSteadyState) {
  for (WindowSpec w : {WindowSpec::Tumble(1s), WindowSpec::Hop(2s, 500ms), WindowSpec::Cumulate(2s, 500ms),
                       WindowSpec::Session(50ms)}) {
    SCOPED_TRACE(w.ToString());
    OperatorContext ctx;
    ctx.batch_capacity = 1024;
    auto calc =
        CalcOperator::Create(
            kSchema, Col("price") > 10,
            {{Col("auction"), "auction"}, {Upper(Col("bidder")), "bidder"}, {Col("price") * 2, "p"}, {Col("ts"), "ts"}},
            ctx.batch_capacity)
            .value();
    WindowAggregateSpec spec{{0}, 3, w, {Count(), Sum("p"), Max("p"), Avg("p"), LastValue("bidder")}};
    auto window = CreateWindowOperator(calc->output_schema(), spec, ctx).value();
    CountingOperator sink(window->output_schema());
    calc->set_next(window.get());
    window->set_next(&sink);
    Batch input(kSchema, ctx.batch_capacity);
    int64_t t = 1'000'000, seq = 0;
    EXPECT_EQ(CountAllocations(calc.get(), &input, &t, &seq), 0);
    EXPECT_GT(sink.rows, 0);
  }
}

// Runs `exprs` (and `filter`) over steady-state batches; returns allocations.
int64_t CalcAllocations(Expr filter, std::vector<Expr> exprs) {
  std::vector<Projection> projections;
  for (size_t i = 0; i < exprs.size(); ++i) projections.push_back({std::move(exprs[i]), "e" + std::to_string(i)});
  auto calc = CalcOperator::Create(kSchema, std::move(filter), projections, 1024).value();
  CountingOperator sink(calc->output_schema());
  calc->set_next(&sink);
  Batch input(kSchema, 1024);
  int64_t t = 1'000'000, seq = 0;
  int64_t allocations = CountAllocations(calc.get(), &input, &t, &seq);
  EXPECT_GT(sink.rows, 0);
  return allocations;
}

TEST(AllocationTest, ScalarFunctionsDoNotAllocateInSteadyState) {
  EXPECT_EQ(
      CalcAllocations(
          Like(Col("bidder"), Lit("a%e")) || Like(Col("bidder"), Lit("b_b")),
          {Trim(Col("bidder"), Lit("ab"), TrimSide::kBoth), Call(Fn::kReplace, {Col("bidder"), Lit("i"), Lit("II")}),
           Call(Fn::kLpad, {Col("bidder"), Lit(8), Lit("*-")}), Call(Fn::kInitcap, {Col("bidder")}),
           Call(Fn::kConcatWs, {Lit("/"), Col("bidder"), Lit("x")}),
           Call(Fn::kSplitIndex, {Col("bidder"), Lit("i"), Lit(1)}), Call(Fn::kPosition, {Lit("c"), Col("bidder")}),
           Call(Fn::kRegexp, {Col("bidder"), Lit("^a.i")}), Call(Fn::kRegexpExtract, {Col("bidder"), Lit("l.c")}),
           // A group of a one-pass regex (RE2 extracts it without allocating; a
           // group of an ambiguous regex costs RE2 a few allocations per row).
           Call(Fn::kRegexpExtract,
                {Concat({Cast(Col("price"), DataType::kString), Lit("-"), Cast(Col("auction"), DataType::kString)}),
                 Lit("(\\d+)-(\\d+)"), Lit(2)}),
           Call(Fn::kRegexpReplace, {Col("bidder"), Lit("[aeiou]"), Lit("_")}),
           Call(Fn::kRound, {Cast(Col("price"), DataType::kDouble) / 7, Lit(2)}),
           Call(Fn::kDateFormat, {Col("ts"), Lit("yyyy-MM-dd HH:mm:ss.SSS")}),
           Call(Fn::kUnixTimestamp, {Lit("2024-03-05 07:08:09"), Lit("yyyy-MM-dd HH:mm:ss")}),
           Extract(Col("ts"), DatePart::kWeek), CeilTime(Col("ts"), TimeUnit::kMonth),
           TimestampDiff(TimeUnit::kMonth, Col("ts"), LitTimestamp(0))}),
      0);
}

TEST(AllocationTest, GroupAggregateDoesNotAllocateForKnownKeys) {
  OperatorContext ctx;
  ctx.batch_capacity = 1024;
  auto op =
      GroupAggregateOperator::Create(kSchema, {0}, {Count(), Sum("price"), CountDistinct("bidder")}, 3, ctx).value();
  CountingOperator sink(op->output_schema());
  op->set_next(&sink);
  Batch input(kSchema, ctx.batch_capacity);
  int64_t t = 0, seq = 0;
  EXPECT_EQ(CountAllocations(op.get(), &input, &t, &seq), 0);
}

TEST(AllocationTest, OverAggregateDoesNotAllocateInSteadyState) {
  for (auto [unit, preceding] :
       {std::pair{OverFrameUnit::kRange, int64_t{200}}, std::pair{OverFrameUnit::kRows, int64_t{10}},
        std::pair{OverFrameUnit::kRange, kUnboundedPreceding}}) {
    SCOPED_TRACE(::testing::Message() << "unit=" << static_cast<int>(unit) << " preceding=" << preceding);
    OperatorContext ctx;
    ctx.batch_capacity = 1024;
    OverSpec spec{{0},
                  3,
                  unit,
                  preceding,
                  {Count(), Sum("price"), Min("price"), Max("bidder"), Avg("price"), LastValue("bidder")}};
    auto op = OverAggregateOperator::Create(kSchema, spec, ctx).value();
    CountingOperator sink(op->output_schema());
    op->set_next(&sink);
    Batch input(kSchema, ctx.batch_capacity);
    int64_t t = 1'000'000, seq = 0;
    EXPECT_EQ(CountAllocations(op.get(), &input, &t, &seq), 0);
    EXPECT_GT(sink.rows, 0);
  }
}

TEST(AllocationTest, ExchangeDoesNotAllocateInSteadyState) {
  const int consumers = 2;
  Inbox inbox0(64), inbox1(64);
  BatchPool pool0(kSchema, 1024, 4), pool1(kSchema, 1024, 4);
  ExchangeOperator exchange(kSchema, {0}, 0, 128, {&inbox0, &inbox1}, {&pool0, &pool1});
  Batch input(kSchema, 1024);
  int64_t t = 0, seq = 0, blocked = 0;
  (void)blocked;
  auto round = [&](int batches) {
    for (int i = 0; i < batches; ++i) {
      FillBatch(&input, &t, &seq);
      ASSERT_TRUE(exchange.Process(input).ok());
      ASSERT_TRUE(exchange.OnWatermark(t).ok());
      ChannelMessage m;
      for (int c = 0; c < consumers; ++c) {
        Inbox& inbox = c == 0 ? inbox0 : inbox1;
        BatchPool& pool = c == 0 ? pool0 : pool1;
        while (inbox.Pop(&m, std::chrono::milliseconds(0))) {
          if (m.batch) pool.Release(m.batch);
        }
      }
    }
  };
  round(200);
  g_allocations.store(0);
  g_counting.store(true);
  round(2000);
  g_counting.store(false);
  EXPECT_EQ(g_allocations.load(), 0);
}

}  // namespace
}  // namespace sluice::engine
