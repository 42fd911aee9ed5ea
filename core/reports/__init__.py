"""Report-driven labelling: cleaning, mention context (ConText/NegEx), n-gram labeller, evaluation.

    core.reports.context.analyse(text, lang)        mentions with context (negspacy; no model download)
    core.reports.labeller.ReportLabeller            fit / predict_proba / classify
    core.reports.evaluation.evaluate_reports(...)   out-of-fold metrics + the paper's baseline
    core.reports.autolabel.label_workspace(store)   `radinet reports label`
    core.reports.queue.review_queue(store)          studies waiting for a radiologist
    core.reports.queue.deciding_sentence(store, id) why the labeller decided (for the report panel)
    core.reports.csv_input.read_report_csv / read_csv_rows
    core.reports.synthetic.synthetic_reports(n, seed)

Importing this package imports nothing heavy; scikit-learn is loaded by the
modules that need it.
"""
