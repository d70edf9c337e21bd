"""`liuyan synth`."""
