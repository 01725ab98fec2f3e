"""OSWorld's metrics (an evaluator's ``func``), written afresh with the same names and arguments:
each takes the result getter's value, the expected getter's value when the evaluator has one, and
the evaluator's ``options``, and returns a score from 0 to 1. A missing result (None: the file is not
there, the command did not run) scores 0. This module is their registry; the metrics live in a
module per kind (`general_metrics`, `calc_metrics`, `writer_metrics`...).
"""

from __future__ import annotations

from palaestra.tasks.desktop.osworld import (
    calc_metrics,
    chrome_checks,
    chrome_metrics,
    data_checks,
    html_checks,
    html_compares,
    image_metrics,
    media_metrics,
    metrics_more,
    ocr_metrics,
    os_checks,
    pdf_metrics,
    pdf_pictures,
    picture_checks,
    slides_checks,
    slides_metrics,
    slides_pictures,
    text_checks,
    thunderbird_metrics,
    vlc_metrics,
    vscode_metrics,
    writer_checks,
    writer_colours,
    writer_layout,
    writer_metrics,
)
from palaestra.tasks.desktop.osworld.accessibility import check_accessibility_tree, check_rules
from palaestra.tasks.desktop.osworld.general_metrics import (
    check_csv,
    check_include_exclude,
    compare_text_file,
    diff_text_file,
    exact_match,
    fuzzy_match,
    is_in_list,
    literal_match,
    match_in_list,
)
from palaestra.tasks.desktop.osworld.metric_spec import Metric

METRICS: dict[str, Metric] = {
    "exact_match": Metric(exact_match, True, rule_keys=("expected",)),
    "match_in_list": Metric(match_in_list, True, rule_keys=("expected",)),
    "is_in_list": Metric(is_in_list, True, rule_keys=("expected",)),
    "check_include_exclude": Metric(check_include_exclude, True),
    "literal_match": Metric(literal_match, True, ("type", "ignore_case")),
    "fuzzy_match": Metric(fuzzy_match, True, rule_keys=("expected",)),
    "compare_text_file": Metric(compare_text_file, True, ("ignore_blanks", "ignore_case")),
    "diff_text_file": Metric(diff_text_file, True),
    "check_csv": Metric(check_csv, True),
    "check_accessibility_tree": Metric(check_accessibility_tree, True, check_rules=check_rules),
    # LibreOffice Calc and Writer's files (calc_metrics, writer_metrics; compare_table's files and
    # rules are checked when a task is loaded, by calc_rules.check_table_spec).
    "compare_table": Metric(calc_metrics.compare_table, False, ("rules",)),
    "compare_csv": Metric(calc_metrics.compare_csv, True, ("strict", "ignore_case")),
    "compare_docx_files": Metric(
        writer_metrics.compare_docx_files,
        True,
        ("ignore_blanks", "ignore_case", "ignore_order", "content_only", "delete_empty_lines"),
    ),
    "compare_init_lines": Metric(writer_metrics.compare_init_lines, True),
    "compare_docx_tables": Metric(writer_metrics.compare_docx_tables, True),
    "compare_line_spacing": Metric(writer_metrics.compare_line_spacing, True),
    "compare_font_names": Metric(writer_metrics.compare_font_names, True, rule_keys=("font_name",)),
    "is_first_line_centered": Metric(writer_metrics.is_first_line_centered, False),
    "compare_docx_lines": Metric(writer_checks.compare_docx_lines, True),
    "evaluate_strike_through_last_paragraph": Metric(
        writer_checks.evaluate_strike_through_last_paragraph, True
    ),
    "compare_subscript_contains": Metric(writer_checks.compare_subscript_contains, True),
    "has_page_numbers_in_footers": Metric(writer_checks.has_page_numbers_in_footers, False),
    # Writer's layout, objects and colours (writer_layout, writer_colours).
    "check_tabstops": Metric(writer_layout.check_tabstops, True, ("word_number_split_by_tabstop", "index")),
    "compare_contains_image": Metric(writer_layout.compare_contains_image, True),
    "compare_insert_equation": Metric(writer_layout.compare_insert_equation, True),
    "compare_docx_images": Metric(writer_layout.compare_docx_images, True),
    "compare_highlighted_text": Metric(writer_colours.compare_highlighted_text, True),
    "check_highlighted_words": Metric(writer_colours.check_highlighted_words, True),
    "evaluate_colored_words_in_tables": Metric(
        writer_colours.evaluate_colored_words_in_tables, True, ("threshold",)
    ),
    "compare_pdfs": Metric(pdf_metrics.compare_pdfs, True),
    # A text file the task leaves (text_checks).
    "file_contains": Metric(text_checks.file_contains, True, rule_keys=("expected",)),
    "check_line_number": Metric(text_checks.check_line_number, True, rule_keys=("expected",)),
    "check_list": Metric(text_checks.check_list, True, check_rules=text_checks.check_list_rules),
    # An app's data files (data_checks).
    "run_sqlite3": Metric(data_checks.run_sqlite3, True, check_rules=data_checks.check_sqlite_rules),
    "check_json": Metric(
        data_checks.check_json, True, ("is_yaml",), check_rules=data_checks.check_json_rules
    ),
    # LibreOffice Impress's decks and the office profile's settings (slides_metrics, slides_checks).
    "compare_pptx_files": Metric(
        slides_metrics.compare_pptx_files,
        True,
        slides_metrics.PPTX_OPTIONS,
        refused_options=slides_metrics.REFUSED_OPTIONS,
    ),
    "check_slide_orientation_Portrait": Metric(slides_checks.check_slide_orientation_Portrait, False),
    "check_transition": Metric(
        slides_checks.check_transition, True, rule_keys=("slide_idx", "transition_type")
    ),
    "check_presenter_console_disable": Metric(slides_checks.check_presenter_console_disable, False),
    "check_auto_saving_time": Metric(slides_checks.check_auto_saving_time, True, rule_keys=("minutes",)),
    "check_strikethrough": Metric(
        slides_checks.check_strikethrough,
        True,
        rule_keys=("slide_index_s", "shape_index_s", "paragraph_index_s"),
    ),
    "evaluate_presentation_fill_to_rgb_distance": Metric(
        slides_checks.evaluate_presentation_fill_to_rgb_distance, True, rule_keys=("rgb",)
    ),
    "check_left_panel": Metric(slides_checks.check_left_panel, False),
    "check_image_stretch_and_center": Metric(slides_pictures.check_image_stretch_and_center, True),
    "check_slide_numbers_color": Metric(slides_pictures.check_slide_numbers_color, False),
    "check_page_number_colors": Metric(
        slides_pictures.check_page_number_colors, True, check_rules=slides_pictures.check_colour_rules
    ),
    # Chrome's (chrome_metrics), on what chrome_getters read of the episode's Chromium.
    "is_expected_url_pattern_match": Metric(
        chrome_metrics.is_expected_url_pattern_match, True, check_rules=chrome_metrics.check_url_patterns
    ),
    # GIMP's pictures and settings (image_metrics).
    "check_image_size": Metric(image_metrics.check_image_size, True),
    "check_config_status": Metric(image_metrics.check_config_status, True, rule_keys=("key", "value")),
    # Thunderbird's profile files (thunderbird_metrics).
    "check_thunderbird_prefs": Metric(
        thunderbird_metrics.check_thunderbird_prefs, True, check_rules=thunderbird_metrics.check_pref_rules
    ),
    "check_thunderbird_filter": Metric(
        thunderbird_metrics.check_thunderbird_filter, True, check_rules=thunderbird_metrics.check_filter_rules
    ),
    "check_thunderbird_folder": Metric(
        thunderbird_metrics.check_thunderbird_folder, True, thunderbird_metrics.FOLDER_OPTIONS
    ),
}
for _image_metric in (
    image_metrics.check_structure_sim,
    image_metrics.check_structure_sim_resized,
    image_metrics.check_file_exists_and_structure_sim,
    image_metrics.check_image_mirror,
    image_metrics.check_brightness_decrease_and_structure_sim,
    image_metrics.check_saturation_increase_and_structure_sim,
    image_metrics.check_contrast_increase_and_structure_sim,
    image_metrics.compare_image_list,
    image_metrics.check_palette_and_structure_sim,
    image_metrics.check_green_background,
):
    METRICS[_image_metric.__name__] = Metric(_image_metric, True)
# VLC's status, window and settings (vlc_metrics, on what vlc_getters read).
METRICS["is_vlc_playing"] = Metric(
    vlc_metrics.is_vlc_playing, True, check_rules=vlc_metrics.check_playing_rules
)
METRICS["is_vlc_fullscreen"] = Metric(vlc_metrics.is_vlc_fullscreen, True)
METRICS["compare_images"] = Metric(vlc_metrics.compare_images, True, ("reference_base_result",))
METRICS["check_qt_slider_colours"] = Metric(
    vlc_metrics.check_qt_slider_colours, True, check_rules=vlc_metrics.check_slider_rules
)
# VLC's conversions: sound and video files compared (media_metrics).
METRICS["compare_audios"] = Metric(media_metrics.compare_audios, True)
METRICS["compare_videos"] = Metric(media_metrics.compare_videos, True, ("max_frames_to_check", "threshold"))
# A picture's text, read by OCR (ocr_metrics).
METRICS["compare_image_text"] = Metric(
    ocr_metrics.compare_image_text, True, check_rules=ocr_metrics.check_text_rule
)
for _vlc_check, _key in vlc_metrics.SETTINGS_CHECKS.items():
    METRICS[_vlc_check.__name__] = Metric(_vlc_check, True, rule_keys=(_key,))
# The desktop's own state (os_checks).
METRICS["check_text_enlarged"] = Metric(os_checks.check_text_enlarged, False)
METRICS["check_moved_jpgs"] = Metric(
    os_checks.check_moved_jpgs, True, check_rules=os_checks.check_moved_rules
)
# VS Code's settings, keybindings and extensions (vscode_metrics, on code-server's files).
METRICS["check_json_settings"] = Metric(
    vscode_metrics.check_json_settings, True, check_rules=vscode_metrics.check_expected_object
)
METRICS["check_json_keybindings"] = Metric(
    vscode_metrics.check_json_keybindings, True, rule_keys=("expected",)
)
METRICS["compare_config"] = Metric(vscode_metrics.compare_config, True, rule_keys=("expected",))
METRICS["compare_answer"] = Metric(vscode_metrics.compare_answer, True, rule_keys=("expected",))
METRICS["is_extension_installed"] = Metric(
    vscode_metrics.is_extension_installed, True, check_rules=vscode_metrics.check_extension_rules
)
# GIMP's last metrics: a shape's or text's place, sharpness, a file's size (picture_checks).
METRICS["check_triangle_position"] = Metric(picture_checks.check_triangle_position, False)
METRICS["check_textbox_on_leftside"] = Metric(picture_checks.check_textbox_on_leftside, False)
METRICS["check_sharper"] = Metric(picture_checks.check_sharper, True)
METRICS["check_image_file_size"] = Metric(
    picture_checks.check_image_file_size, True, check_rules=picture_checks.check_size_rule
)
# A web page's background picture (html_checks; OSWorld's multi_apps task with check_sharper).
METRICS["check_html_background_image"] = Metric(
    html_checks.check_html_background_image, True, check_rules=html_checks.check_background_rule
)
# A page printed or saved: the pictures of two PDFs (pdf_pictures), two HTML files (html_compares).
METRICS["compare_pdf_images"] = Metric(pdf_pictures.compare_pdf_images, True)
METRICS["compare_htmls"] = Metric(html_compares.compare_htmls, True, ("ignore_sdnum",))
# OSWorld's file, command and settings checks added later (metrics_more).
METRICS.update(metrics_more.MORE)
#: OSWorld's metrics known not to be here, and why (a task naming one is refused when loaded, the
#: reason in its error).
REFUSED_METRICS: dict[str, str] = {
    "check_python_file_by_gold_file": "OSWorld's own function is empty (it returns no score), so its "
    "task cannot be judged there either",
    "compare_time_in_speedtest_results": "its task measures the network at speedtest.net over the "
    "internet, and its getters (time_diff_range, a vm_file with time_suffix) read the judge's clock",
    "compare_triangle_positions": "OSWorld's own version takes every colour for the triangle's, so "
    "it cannot tell one picture from another (its tasks use check_triangle_position)",
}
for _metric, _options in (
    (chrome_metrics.is_expected_active_tab, ("prefix",)),
    (chrome_metrics.is_expected_tabs, ()),
    (chrome_metrics.is_expected_bookmarks, ()),
    (chrome_metrics.check_history_deleted, ()),
    (chrome_metrics.is_cookie_deleted, ()),
    (chrome_metrics.check_enabled_experiments, ()),
    (chrome_metrics.check_font_size, ()),
):
    METRICS[_metric.__name__] = Metric(
        _metric, True, _options, check_rules=chrome_metrics.rule_checker(_metric)
    )
# Chrome's extensions, shortcuts and pages (chrome_checks, on what chrome_profile and chrome_pages read).
for _check, _rule_check in chrome_checks.METRICS.items():
    METRICS[_check.__name__] = Metric(_check, True, check_rules=_rule_check)
#: ``infeasible``: the task cannot be done, and the agent must say so (fail()); no getters.
INFEASIBLE = "infeasible"
SUPPORTED = (*METRICS, INFEASIBLE)
