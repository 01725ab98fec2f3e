"""The second part of the metrics registry (`metrics.METRICS` takes it in): OSWorld's checks of
files, commands and settings that came later, each in a small module of its kind. Registered here,
apart, so that neither part grows past what one reads in a sitting.
"""

from __future__ import annotations

from palaestra.tasks.desktop.osworld import (
    archive_compares,
    calc_cities,
    epub_checks,
    file_compares,
    mp3_tags,
    office_settings,
    os_checks,
    pdf_metrics,
    picture_checks,
    python_tests,
    writer_rules,
)
from palaestra.tasks.desktop.osworld.metric_spec import Metric

MORE: dict[str, Metric] = {
    # Python files the agent edited, judged by OSWorld's test file run in the desktop session.
    "check_python_file_by_test_suite": Metric(
        python_tests.suite_passed, True, ("test_function_name",), runs=python_tests.compile_test_suite
    ),
    "compare_docx_files_and_ignore_new_lines": Metric(
        writer_rules.compare_docx_files_and_ignore_new_lines, True, ("ignore_blanks",)
    ),
    "compare_references": Metric(
        writer_rules.compare_references, True, ("reference_indicator", "reference_base_result")
    ),
    "find_default_font": Metric(office_settings.find_default_font, True, rule_keys=("font_name",)),
    "check_structure_sim_with_threshold": Metric(
        picture_checks.check_structure_sim_with_threshold, True, ("ssim_threshold",)
    ),
    "compare_archive": Metric(
        archive_compares.compare_archive,
        True,
        ("file_path", "file_type"),
        check_options=archive_compares.check_archive_options,
    ),
}
# A result file and an expected file (or value) compared.
for _compared in (
    file_compares.compare_terminal_and_txt,
    file_compares.compare_python_pure_text,
    file_compares.is_included_all_json_objects,
    file_compares.is_gold_text_included_in_pdf,
    file_compares.compare_result_files,
    file_compares.compare_zip_files,
    writer_rules.check_italic_font_size_14,
    writer_rules.check_no_duplicates,
    writer_rules.compare_unique_train_records,
    writer_rules.contains_page_break,
    epub_checks.compare_epub,
):
    MORE[_compared.__name__] = Metric(_compared, True)
# The result alone.
for _alone in (
    os_checks.is_utc_0,
    writer_rules.evaluate_conversion,
    writer_rules.evaluate_spacing,
    writer_rules.evaluate_alignment,
):
    MORE[_alone.__name__] = Metric(_alone, False)
# The result and the rules of a ``rule`` getter, checked at load.
for _ruled, _checker in (
    (file_compares.fuzzy_place_math, file_compares.check_answers_rules),
    (os_checks.check_gnome_favorite_apps, os_checks.check_expected_list),
    (os_checks.is_in_vm_clickboard, os_checks.check_clipboard_rules),
    (office_settings.check_libre_locale, office_settings.check_locale_rules),
    (pdf_metrics.check_pdf_pages, pdf_metrics.check_page_rules),
    (calc_cities.compare_conference_city_in_order, calc_cities.check_city_rules),
    (mp3_tags.check_mp3_meta, mp3_tags.check_meta_rules),
):
    MORE[_ruled.__name__] = Metric(_ruled, True, check_rules=_checker)
