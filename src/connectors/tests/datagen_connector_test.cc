#include "connectors/datagen_connector.h"

#include <gtest/gtest.h>

#include "engine/batch.h"

namespace sluice::connectors {
namespace {

using engine::DataType;

TEST(DatagenConnectorTest, BoundedSequenceAndRandomRanges) {
  engine::TableDescriptor t;
  t.name = "gen";
  t.schema = engine::Schema({{"id", DataType::kInt64}, {"v", DataType::kInt32}, {"s", DataType::kString}});
  t.options = {{"connector", "datagen"},       {"number-of-rows", "5000"}, {"rows-per-second", "0"},
               {"fields.id.kind", "sequence"}, {"fields.id.start", "10"},  {"fields.v.min", "3"},
               {"fields.v.max", "7"},          {"fields.s.length", "4"}};
  auto source = NewDatagenConnector()->CreateSource(t, {});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto reader = (*source)->OpenSplit(0);
  ASSERT_TRUE(reader.ok());
  engine::Batch b(t.schema, 2048);
  int64_t total = 0;
  int64_t next_id = 10;
  while (true) {
    b.Clear();
    auto st = (*reader)->Read(&b);
    ASSERT_TRUE(st.ok());
    if (*st == engine::ReadStatus::kEndOfInput) break;
    for (int r = 0; r < b.num_rows(); ++r) {
      EXPECT_EQ(b.column(0).data<int64_t>()[r], next_id++);
      int32_t v = b.column(1).data<int32_t>()[r];
      EXPECT_GE(v, 3);
      EXPECT_LE(v, 7);
      EXPECT_EQ(b.column(2).GetString(r).size(), 4u);
    }
    total += b.num_rows();
  }
  EXPECT_EQ(total, 5000);
}

TEST(DatagenConnectorTest, BadOptionsNameTheOption) {
  engine::TableDescriptor t;
  t.name = "gen";
  t.schema = engine::Schema({{"id", DataType::kInt64}});
  t.options = {{"connector", "datagen"}, {"fields.id.kind", "zigzag"}};
  auto s = NewDatagenConnector()->CreateSource(t, {});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("fields.id.kind"), std::string::npos);
}

}  // namespace
}  // namespace sluice::connectors
