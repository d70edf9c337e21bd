"""Synthetic data sets at national scale, calibrated to published figures (`liuyan synth national`)."""
