#include "connectors/nexmark/nexmark_json.h"

#include <fmt/format.h>

#include "connectors/format/json_row_format.h"

namespace sluice::connectors::nexmark {
namespace {

void Key(std::string_view k, std::string* out) {
  out->push_back('"');
  out->append(k);
  out->append("\":");
}

void Str(std::string_view k, std::string_view v, std::string* out) {
  Key(k, out);
  AppendJsonString(v, out);
  out->push_back(',');
}

void Int(std::string_view k, int64_t v, std::string* out) {
  Key(k, out);
  fmt::format_to(std::back_inserter(*out), "{}", v);
  out->push_back(',');
}

void Time(std::string_view k, int64_t ms, std::string* out) {
  Key(k, out);
  out->push_back('"');
  AppendTimestamp(ms, out);
  out->append("\",");
}

}  // namespace

void AppendEventJson(const Event& e, std::string* out) {
  fmt::format_to(std::back_inserter(*out), "{{\"event_type\":{},", static_cast<int>(e.type));
  out->append("\"person\":");
  if (e.type == EventType::kPerson) {
    const Person& p = e.person;
    out->push_back('{');
    Int("id", p.id, out);
    Str("name", p.name, out);
    Str("emailAddress", p.email_address, out);
    Str("creditCard", p.credit_card, out);
    Str("city", p.city, out);
    Str("state", p.state, out);
    Time("dateTime", p.date_time, out);
    Str("extra", p.extra, out);
    out->back() = '}';
  } else {
    out->append("null");
  }
  out->append(",\"auction\":");
  if (e.type == EventType::kAuction) {
    const Auction& a = e.auction;
    out->push_back('{');
    Int("id", a.id, out);
    Str("itemName", a.item_name, out);
    Str("description", a.description, out);
    Int("initialBid", a.initial_bid, out);
    Int("reserve", a.reserve, out);
    Time("dateTime", a.date_time, out);
    Time("expires", a.expires, out);
    Int("seller", a.seller, out);
    Int("category", a.category, out);
    Str("extra", a.extra, out);
    out->back() = '}';
  } else {
    out->append("null");
  }
  out->append(",\"bid\":");
  if (e.type == EventType::kBid) {
    const Bid& b = e.bid;
    out->push_back('{');
    Int("auction", b.auction, out);
    Int("bidder", b.bidder, out);
    Int("price", b.price, out);
    Str("channel", b.channel, out);
    Str("url", b.url, out);
    Time("dateTime", b.date_time, out);
    Str("extra", b.extra, out);
    out->back() = '}';
  } else {
    out->append("null");
  }
  out->push_back('}');
}

}  // namespace sluice::connectors::nexmark
