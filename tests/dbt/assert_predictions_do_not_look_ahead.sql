-- A frozen purchase model learnt from purchases up to its training as-of
-- date: scoring at an earlier date would use the future. Fix: build at a
-- later as-of date, or refit (olist-seg build --refit).
select
    customer_unique_id,
    as_of_date,
    trained_as_of_date
from {{ ref('customer_predictions') }}
where as_of_date < trained_as_of_date
