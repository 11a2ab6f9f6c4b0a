#pragma once

#include <cstdint>
#include <string>

namespace sluice::connectors::nexmark {

enum class EventType : int32_t { kPerson = 0, kAuction = 1, kBid = 2 };

// The three Nexmark record types, as in the public generator. Times are
// epoch milliseconds.
struct Person {
  int64_t id = 0;
  std::string name;
  std::string email_address;
  std::string credit_card;
  std::string city;
  std::string state;
  int64_t date_time = 0;
  std::string extra;
};

struct Auction {
  int64_t id = 0;
  std::string item_name;
  std::string description;
  int64_t initial_bid = 0;
  int64_t reserve = 0;
  int64_t date_time = 0;
  int64_t expires = 0;
  int64_t seller = 0;
  int64_t category = 0;
  std::string extra;
};

struct Bid {
  int64_t auction = 0;
  int64_t bidder = 0;
  int64_t price = 0;
  std::string channel;
  std::string url;
  int64_t date_time = 0;
  std::string extra;
};

// One generated event: exactly one of the three is filled, per `type`.
// Reused across calls (strings keep their capacity).
struct Event {
  EventType type = EventType::kBid;
  int64_t event_time = 0;
  Person person;
  Auction auction;
  Bid bid;
};

}  // namespace sluice::connectors::nexmark
