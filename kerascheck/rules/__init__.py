"""Rules: one module per family, each rule a small class registered by its code."""
