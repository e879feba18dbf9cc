-- A filter on an unindexed column that keeps 2% of the rows: a sequential scan.
SELECT id, name
FROM customers
WHERE city = 'city_7';
