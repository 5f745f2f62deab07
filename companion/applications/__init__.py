"""The application models of chapters 5 to 8 and 11 to 13, built from the layers at the top of the package.

- :mod:`~.translator`: training and scoring the date translator (chapter :ref:`seq2seq`);
- :mod:`~.video`: a CNN feeding a GRU, for motion in video (chapter :ref:`cnn-vs-rnn`);
- :mod:`~.ngram`, :mod:`~.charlm`, :mod:`~.textclass`, :mod:`~.captioning`: text (chapter
  :ref:`text`);
- :mod:`~.forecast`, :mod:`~.irregular`: time series (chapter :ref:`time-series`);
- :mod:`~.speech`: recognising spoken digits (chapter :ref:`speech`);
- :mod:`~.music`: chorale melodies as symbols, heard and measured (chapter :ref:`music`);
- :mod:`~.sentiment`, :mod:`~.anomaly`, :mod:`~.market`, :mod:`~.trajectory`: reviews, heartbeats,
  markets and moving objects (chapter :ref:`applications`).

Their data come from :mod:`companion.data`. Nothing is imported here.
"""
