"""Personal models: the user's own labels (genres, moods …) learnt from the tags already in the library.

Qt-free and torch-free (numpy, scikit-learn).  :func:`~musictagger.personal.vocabulary.survey`
finds the labels, :func:`~musictagger.personal.learn.learn` trains and measures a head on the
index's embeddings, :mod:`~musictagger.personal.store` lists, activates and deletes the models, and
:mod:`~musictagger.personal.active` puts the active one in front of every verdict.
"""
