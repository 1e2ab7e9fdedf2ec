"""Tests of the differentiable ops (shenjing/ops)."""
