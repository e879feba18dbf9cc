-- One order by its primary key: an index scan on orders_pkey.
SELECT id, customer_id, amount, status
FROM orders
WHERE id = 123456;
