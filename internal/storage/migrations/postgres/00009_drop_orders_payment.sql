-- +goose Up
-- orders_payment (payment_status) is a prefix of orders_authorization
-- (payment_status, authorization_expires_at), which serves every query
-- it served; each index costs every order placed a b-tree insert.
DROP INDEX orders_payment;

-- +goose Down
CREATE INDEX orders_payment ON orders (payment_status);
