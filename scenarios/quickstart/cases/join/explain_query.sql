-- Orders of one city's customers in one week: a hash join of customers and orders.
SELECT c.name, o.id, o.amount
FROM customers AS c
JOIN orders AS o ON o.customer_id = c.id
WHERE c.city = 'city_3'
  AND o.created_at >= timestamptz '2024-06-01 00:00:00+00'
  AND o.created_at < timestamptz '2024-06-08 00:00:00+00';
