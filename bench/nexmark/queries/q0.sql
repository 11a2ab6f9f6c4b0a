-- q0 (pass-through): every bid, unchanged; measures the cost of moving data.
INSERT INTO nexmark_sink
SELECT auction, bidder, price, dateTime, extra FROM bid;
