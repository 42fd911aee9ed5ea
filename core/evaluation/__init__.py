"""Measuring models: point estimates (metrics), bootstrap CIs and paired differences
(bootstrap), the promotion rule (promotion), the locked patient split (splits).

Qt-free and torch-free: numpy and scikit-learn only, so `radinet evaluate`,
the trainer and the GUI share one definition of every figure.
"""
