#pragma once

#include <cstdint>

#include "connectors/nexmark/java_random.h"
#include "connectors/nexmark/nexmark_event.h"

namespace sluice::connectors::nexmark {

// What the standard generator calls GeneratorConfig, with its defaults.
struct GeneratorConfig {
  int64_t first_event_id = 0;
  int64_t max_events = 0;                // 0 = unbounded
  double events_per_second = 10000;      // event time advances by 1/rate per event
  int64_t base_time_ms = 1767225600000;  // 2026-01-01 00:00:00 UTC: fixed, so runs are reproducible
  int64_t seed = 0;                      // 0 = the public generator's per-event seeds
  int32_t person_proportion = 1;
  int32_t auction_proportion = 3;
  int32_t bid_proportion = 46;
  int32_t hot_auction_ratio = 2;  // 1 - 1/2 = 50 % of bids on the hot auction
  int32_t hot_bidders_ratio = 4;  // 75 % of bids by the hot bidder
  int32_t hot_sellers_ratio = 4;  // 75 % of auctions by the hot seller
  int64_t num_active_people = 1000;
  int64_t num_in_flight_auctions = 100;
  int32_t avg_person_bytes = 200;
  int32_t avg_auction_bytes = 500;
  int32_t avg_bid_bytes = 100;

  int32_t total_proportion() const { return person_proportion + auction_proportion + bid_proportion; }
};

// The Nexmark event generator, following the public one (Beam's
// NexmarkGenerator, which Flink's nexmark benchmark copies): in every block
// of 50 event ids 1 person, 3 auctions and 46 bids; ids dense from 1000; hot
// auctions, bidders and sellers; prices log-uniform from 100 to 10^8;
// categories 10-14; `extra` padded to about 200/500/100 bytes; event time
// spaced by the rate. Deterministic: event N depends only on N, the seed and
// the config (the public generator also seeds per event, but starts its
// clock at the wall-clock time). Deviations: docs in bench/nexmark/README.md.
//
// Thread-safety: not thread-safe; one per generating thread. Generators with
// disjoint event ranges (first_event_id, max_events) may run in parallel.
class Generator {
 public:
  explicit Generator(GeneratorConfig config) : config_(config), next_(config.first_event_id) {}

  bool HasNext() const { return config_.max_events == 0 || next_ < config_.first_event_id + config_.max_events; }
  // Fills `out` with the next event (reusing its strings' memory).
  void Next(Event* out);
  int64_t events_generated() const { return next_ - config_.first_event_id; }
  // Continues as if `n` events had been generated (events depend only on
  // their number, so this is exact).
  void SkipTo(int64_t n) { next_ = config_.first_event_id + n; }

  // Event time of event number `n` (0-based from the start of the stream).
  int64_t TimestampOf(int64_t n) const;

 private:
  int64_t LastBase0PersonId(int64_t event_id) const;
  int64_t LastBase0AuctionId(int64_t event_id) const;
  int64_t NextBase0PersonId(int64_t event_id, JavaRandom& r) const;
  int64_t NextBase0AuctionId(int64_t event_id, JavaRandom& r) const;
  int64_t NextAuctionLengthMs(int64_t event_number, int64_t timestamp, JavaRandom& r) const;
  void NextPerson(int64_t event_id, int64_t timestamp, JavaRandom& r, Person* p) const;
  void NextAuction(int64_t event_number, int64_t event_id, int64_t timestamp, JavaRandom& r, Auction* a) const;
  void NextBid(int64_t event_id, int64_t timestamp, JavaRandom& r, Bid* b) const;

  GeneratorConfig config_;
  int64_t next_;
};

}  // namespace sluice::connectors::nexmark
