-- q1 (currency conversion): each bid's price in euros.
INSERT INTO nexmark_sink
SELECT auction, bidder, 0.908 * price AS price, dateTime, extra FROM bid;
