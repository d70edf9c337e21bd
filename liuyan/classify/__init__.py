"""Text classifiers (category, request type, department) and their versioned model artifacts.

The platform's entry points are in `liuyan.classify.store`: `load_active(task)`, `train(task, examples, ...)`,
`list_models(task)`, `use(task, version)`, `save(...)`. Examples are read from files by
`liuyan.classify.data.read_labeled`. The heavy libraries (scikit-learn, numpy) are imported by those modules only,
never when Django loads the app.
"""
