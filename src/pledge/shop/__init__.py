"""The shop: catalogue, basket, orders and payments, however they arrive."""
