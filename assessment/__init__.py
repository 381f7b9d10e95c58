"""The domain: classifications, scoring, benchmarks and roadmap planning as plain functions over typed objects."""
