-- q2 (selection): bids on a sample of auctions (those whose id is a multiple of 123).
INSERT INTO nexmark_sink
SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0;
