#include "connectors/nexmark/nexmark_generator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace sluice::connectors::nexmark {
namespace {

constexpr int64_t kFirstPersonId = 1000;
constexpr int64_t kFirstAuctionId = 1000;
constexpr int64_t kFirstCategoryId = 10;
constexpr int32_t kNumCategories = 5;
constexpr int64_t kPersonIdLead = 10;
constexpr int64_t kAuctionIdLead = 10;
constexpr int64_t kHotSellerRatio = 100;  // "the first person in a batch of the last 100"
constexpr int64_t kHotAuctionRatio = 100;
constexpr int64_t kHotBidderRatio = 100;
constexpr int32_t kMinStringLength = 3;
constexpr int32_t kHotChannelsRatio = 2;
constexpr int32_t kChannelsNumber = 10000;

constexpr std::string_view kFirstNames[] = {"Peter", "Paul",  "Luke",  "John",   "Saul",  "Vicky",
                                            "Kate",  "Julie", "Sarah", "Deiter", "Walter"};
constexpr std::string_view kLastNames[] = {"Shultz", "Abrams", "Spencer", "White", "Bartels",
                                           "Walton", "Smith",  "Jones",   "Noris"};
constexpr std::string_view kUsStates[] = {"AZ", "CA", "ID", "OR", "WA", "WY"};
constexpr std::string_view kUsCities[] = {"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland",
                                          "Bend",    "Redmond",     "Seattle",       "Kent",  "Cheyenne"};
constexpr std::string_view kHotChannels[] = {"Google", "Facebook", "Baidu", "Apple"};
constexpr std::string_view kHotUrls[] = {
    "https://www.nexmark.com/googl/item.htm?query=1", "https://www.nexmark.com/faceb/item.htm?query=1",
    "https://www.nexmark.com/baidu/item.htm?query=1", "https://www.nexmark.com/apple/item.htm?query=1"};

template <size_t N>
std::string_view Pick(const std::string_view (&a)[N], JavaRandom& r) {
  return a[r.NextInt(static_cast<int32_t>(N))];
}

int64_t NextLong(JavaRandom& r, int64_t n) {
  if (n < INT32_MAX) return r.NextInt(static_cast<int32_t>(n));
  return std::llabs(r.NextLong() % n);  // the public generator's (skewed) fallback
}

void NextString(JavaRandom& r, int32_t max_length, std::string* out) {
  out->clear();
  int32_t len = kMinStringLength + r.NextInt(max_length - kMinStringLength);
  while (len-- > 0) {
    if (r.NextInt(13) == 0) {
      out->push_back(' ');
    } else {
      out->push_back(static_cast<char>('a' + r.NextInt(26)));
    }
  }
}

void AppendExactString(JavaRandom& r, int32_t length, std::string* out) {
  while (length-- > 0) out->push_back(static_cast<char>('a' + r.NextInt(26)));
}

void NextExtra(JavaRandom& r, int32_t current_size, int32_t desired_average_size, std::string* out) {
  out->clear();
  if (current_size > desired_average_size) return;
  desired_average_size -= current_size;
  int32_t delta = static_cast<int32_t>(std::lround(desired_average_size * 0.2));
  int32_t min_size = desired_average_size - delta;
  int32_t desired = min_size + (delta == 0 ? 0 : r.NextInt(2 * delta));
  AppendExactString(r, desired, out);
}

int64_t NextPrice(JavaRandom& r) { return std::llround(std::pow(10.0, r.NextDouble() * 6.0) * 100.0); }

}  // namespace

int64_t Generator::TimestampOf(int64_t n) const {
  const double delay_us = 1e6 / config_.events_per_second;
  return config_.base_time_ms + static_cast<int64_t>(static_cast<double>(n) * delay_us / 1000.0);
}

int64_t Generator::LastBase0PersonId(int64_t event_id) const {
  int64_t epoch = event_id / config_.total_proportion();
  int64_t offset = event_id % config_.total_proportion();
  if (offset >= config_.person_proportion) offset = config_.person_proportion - 1;
  return epoch * config_.person_proportion + offset;
}

int64_t Generator::LastBase0AuctionId(int64_t event_id) const {
  int64_t epoch = event_id / config_.total_proportion();
  int64_t offset = event_id % config_.total_proportion();
  if (offset < config_.person_proportion) {
    --epoch;
    offset = config_.auction_proportion - 1;
  } else if (offset >= config_.person_proportion + config_.auction_proportion) {
    offset = config_.auction_proportion - 1;
  } else {
    offset -= config_.person_proportion;
  }
  return epoch * config_.auction_proportion + offset;
}

int64_t Generator::NextBase0PersonId(int64_t event_id, JavaRandom& r) const {
  int64_t num_people = LastBase0PersonId(event_id) + 1;
  int64_t active = std::min(num_people, config_.num_active_people);
  int64_t n = NextLong(r, active + kPersonIdLead);
  return num_people - active + n;
}

int64_t Generator::NextBase0AuctionId(int64_t event_id, JavaRandom& r) const {
  int64_t max_auction = LastBase0AuctionId(event_id);
  int64_t min_auction = std::max<int64_t>(max_auction - config_.num_in_flight_auctions, 0);
  return min_auction + NextLong(r, max_auction - min_auction + 1 + kAuctionIdLead);
}

int64_t Generator::NextAuctionLengthMs(int64_t event_number, int64_t timestamp, JavaRandom& r) const {
  int64_t events_for_auctions =
      (config_.num_in_flight_auctions * config_.total_proportion()) / config_.auction_proportion;
  int64_t future = TimestampOf(event_number + events_for_auctions);
  int64_t horizon = future - timestamp;
  return 1 + NextLong(r, std::max<int64_t>(horizon * 2, 1));
}

void Generator::NextPerson(int64_t event_id, int64_t timestamp, JavaRandom& r, Person* p) const {
  p->id = LastBase0PersonId(event_id) + kFirstPersonId;
  p->name.assign(Pick(kFirstNames, r));
  p->name.push_back(' ');
  p->name.append(Pick(kLastNames, r));
  NextString(r, 7, &p->email_address);
  std::string domain;
  NextString(r, 5, &domain);
  p->email_address.append("@").append(domain).append(".com");
  p->credit_card.clear();
  for (int i = 0; i < 4; ++i) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), "%04d", r.NextInt(10000));
    if (i > 0) p->credit_card.push_back(' ');
    p->credit_card.append(buf);
  }
  p->city.assign(Pick(kUsCities, r));
  p->state.assign(Pick(kUsStates, r));
  p->date_time = timestamp;
  int32_t size = static_cast<int32_t>(8 + p->name.size() + p->email_address.size() + p->credit_card.size() +
                                      p->city.size() + p->state.size());
  NextExtra(r, size, config_.avg_person_bytes, &p->extra);
}

void Generator::NextAuction(int64_t event_number, int64_t event_id, int64_t timestamp, JavaRandom& r,
                            Auction* a) const {
  a->id = LastBase0AuctionId(event_id) + kFirstAuctionId;
  int64_t seller;
  if (r.NextInt(config_.hot_sellers_ratio) > 0) {
    seller = (LastBase0PersonId(event_id) / kHotSellerRatio) * kHotSellerRatio;
  } else {
    seller = NextBase0PersonId(event_id, r);
  }
  a->seller = seller + kFirstPersonId;
  a->category = kFirstCategoryId + r.NextInt(kNumCategories);
  a->initial_bid = NextPrice(r);
  a->expires = timestamp + NextAuctionLengthMs(event_number, timestamp, r);
  NextString(r, 20, &a->item_name);
  NextString(r, 100, &a->description);
  a->reserve = a->initial_bid + NextPrice(r);
  a->date_time = timestamp;
  int32_t size = static_cast<int32_t>(8 + a->item_name.size() + a->description.size() + 8 + 8 + 8 + 8 + 8);
  NextExtra(r, size, config_.avg_auction_bytes, &a->extra);
}

void Generator::NextBid(int64_t event_id, int64_t timestamp, JavaRandom& r, Bid* b) const {
  int64_t auction;
  if (r.NextInt(config_.hot_auction_ratio) > 0) {
    auction = (LastBase0AuctionId(event_id) / kHotAuctionRatio) * kHotAuctionRatio;
  } else {
    auction = NextBase0AuctionId(event_id, r);
  }
  b->auction = auction + kFirstAuctionId;
  int64_t bidder;
  if (r.NextInt(config_.hot_bidders_ratio) > 0) {
    // The second person of the batch, so hot bidders and hot sellers differ.
    bidder = (LastBase0PersonId(event_id) / kHotBidderRatio) * kHotBidderRatio + 1;
  } else {
    bidder = NextBase0PersonId(event_id, r);
  }
  b->bidder = bidder + kFirstPersonId;
  b->price = NextPrice(r);
  if (r.NextInt(kHotChannelsRatio) > 0) {
    int32_t i = r.NextInt(4);
    b->channel.assign(kHotChannels[i]);
    b->url.assign(kHotUrls[i]);
  } else {
    int32_t channel = r.NextInt(kChannelsNumber);
    b->channel.assign("channel-").append(std::to_string(channel));
    b->url.assign("https://www.nexmark.com/");
    std::string part;
    for (int i = 0; i < 3; ++i) {
      NextString(r, 5, &part);
      b->url.append(part).append("/");
    }
    b->url.append("item.htm?query=1");
    if (r.NextInt(10) > 0) b->url.append("&channel_id=").append(std::to_string(channel));
  }
  b->date_time = timestamp;
  NextExtra(r, 8 + 8 + 8 + 8, config_.avg_bid_bytes, &b->extra);
}

void Generator::Next(Event* out) {
  const int64_t event_number = next_ - config_.first_event_id;
  const int64_t event_id = next_++;
  // One generator per event, seeded with its id, as the public generator does.
  JavaRandom r(config_.seed == 0 ? event_id
                                 : static_cast<int64_t>(static_cast<uint64_t>(event_id) ^
                                                        (static_cast<uint64_t>(config_.seed) * 0x9E3779B97F4A7C15ULL)));
  const int64_t timestamp = TimestampOf(event_number);
  out->event_time = timestamp;
  const int64_t rem = event_id % config_.total_proportion();
  if (rem < config_.person_proportion) {
    out->type = EventType::kPerson;
    NextPerson(event_id, timestamp, r, &out->person);
  } else if (rem < config_.person_proportion + config_.auction_proportion) {
    out->type = EventType::kAuction;
    NextAuction(event_number, event_id, timestamp, r, &out->auction);
  } else {
    out->type = EventType::kBid;
    NextBid(event_id, timestamp, r, &out->bid);
  }
}

}  // namespace sluice::connectors::nexmark
