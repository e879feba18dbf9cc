-- Totals per status over all orders: an aggregate over a sequential scan.
SELECT status, count(*) AS orders, sum(amount) AS total, avg(amount) AS average
FROM orders
GROUP BY status
ORDER BY status;
