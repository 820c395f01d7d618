"""One translation table for every word a reader sees: Bahasa Indonesia (default) and English.

Charts, tables, the reader HTML, the index page and the narrative sentences of the notebooks
all take their words from :data:`TABLE` through :func:`t`. Numbers are formatted for the reader's
language by :func:`fmt_number`, :func:`fmt_pct` and :func:`fmt_rp` (Indonesian uses a decimal
comma and ``jt``/``rb`` for *juta*/*ribu*: ``Rp 1,5 jt``).

Examples
--------
>>> t("arm.pendampingan"), t("arm.pendampingan", "en")
('Pendampingan', 'Mentoring')
>>> fmt_rp(1_500_000), fmt_rp(1_500_000, "en")
('Rp 1,5 jt', 'Rp 1.5m')
>>> t("caption.source", "en", n=250)
'Source: JBP evaluation survey; n = 250 respondents.'
"""

from __future__ import annotations

import math
import re
from typing import Literal

__all__ = [
    "LANGS",
    "Lang",
    "TABLE",
    "NEUTRAL",
    "item_label",
    "t",
    "check_lang",
    "arm_label",
    "wave_label",
    "outcome_label",
    "outcome_about",
    "contrast_label",
    "contrast_arms",
    "fmt_number",
    "fmt_pct",
    "fmt_rp",
    "fmt_signed",
]

Lang = Literal["id", "en"]
LANGS: tuple[str, ...] = ("id", "en")

# key -> {"id": ..., "en": ...}. Placeholders use str.format names ({n}, {district}, ...).
TABLE: dict[str, dict[str, str]] = {
    # ---- arms, contrasts, waves
    "arm.kontrol": {"id": "Kontrol", "en": "Control"},
    "arm.karitatif": {"id": "Karitatif", "en": "Charitable"},
    "arm.pendampingan": {"id": "Pendampingan", "en": "Mentoring"},
    "arm.long.kontrol": {"id": "Kontrol (daftar tunggu)", "en": "Control (wait-list)"},
    "arm.long.karitatif": {"id": "Model karitatif", "en": "Charitable model"},
    "arm.long.pendampingan": {"id": "Pendampingan JBP", "en": "JBP mentoring"},
    "contrast.vs": {"id": "{a} vs {b}", "en": "{a} vs {b}"},
    "wave.baseline": {"id": "Awal (bln 0)", "en": "Baseline (m 0)"},
    "wave.endline": {"id": "Akhir (bln 4)", "en": "Endline (m 4)"},
    "wave.followup": {"id": "Lanjutan (bln 12)", "en": "Follow-up (m 12)"},
    "wave.all": {"id": "Semua gelombang", "en": "All waves"},
    # ---- outcomes (short labels for axes and tables)
    "outcome.unemployed": {"id": "Menganggur (%)", "en": "Unemployed (%)"},
    "outcome.unemployment": {"id": "Menganggur (%)", "en": "Unemployed (%)"},
    "outcome.employed": {"id": "Bekerja (%)", "en": "Employed (%)"},
    "outcome.household_income": {
        "id": "Pendapatan rumah tangga (Rp/bulan)",
        "en": "Household income (Rp/month)",
    },
    "outcome.log_household_income": {
        "id": "Log pendapatan rumah tangga",
        "en": "Log household income",
    },
    "outcome.ihs_household_income": {
        "id": "Pendapatan rumah tangga (IHS)",
        "en": "Household income (IHS)",
    },
    "outcome.business_profit": {
        "id": "Keuntungan usaha (Rp/bulan)",
        "en": "Business profit (Rp/month)",
    },
    "outcome.awareness_index": {
        "id": "Indeks kesadaran kritis (SD)",
        "en": "Critical-awareness index (SD)",
    },
    "outcome.critical_awareness": {
        "id": "Indeks kesadaran kritis (SD)",
        "en": "Critical-awareness index (SD)",
    },
    "outcome.own_business": {"id": "Punya usaha sendiri (%)", "en": "Runs own business (%)"},
    "outcome.hours_worked": {"id": "Jam kerja per minggu", "en": "Hours worked per week"},
    "outcome.income_household": {
        "id": "Pendapatan rumah tangga (Rp/bulan)",
        "en": "Household income (Rp/month)",
    },
    "outcome.income_per_capita": {
        "id": "Pendapatan per kapita (Rp/bulan)",
        "en": "Income per capita (Rp/month)",
    },
    "outcome.income_household_ihs": {
        "id": "Pendapatan rumah tangga (IHS)",
        "en": "Household income (IHS)",
    },
    "outcome.profit": {"id": "Keuntungan usaha (Rp/bulan)", "en": "Business profit (Rp/month)"},
    "outcome.runs_business": {"id": "Menjalankan usaha (%)", "en": "Runs a business (%)"},
    "outcome.in_labour_force": {"id": "Angkatan kerja (%)", "en": "In the labour force (%)"},
    "outcome.awareness_anderson": {
        "id": "Indeks kesadaran kritis (SD)",
        "en": "Critical-awareness index (SD)",
    },
    "outcome.awareness_klk": {
        "id": "Indeks kesadaran kritis, bobot sama (SD)",
        "en": "Critical-awareness index, equal weights (SD)",
    },
    "outcome.openly_unemployed": {
        "id": "Pengangguran terbuka (% pemuda)",
        "en": "Openly unemployed (% of youth)",
    },
    "outcome.responded": {"id": "Diwawancarai (%)", "en": "Interviewed (%)"},
    "outcome.other": {"id": "Hasil lain", "en": "Other outcome"},
    "outcome.age": {"id": "Umur (tahun)", "en": "Age (years)"},
    "outcome.female": {"id": "Perempuan (%)", "en": "Female (%)"},
    "outcome.household_size": {"id": "Jumlah anggota rumah tangga", "en": "Household size"},
    "family.unemployment": {"id": "Pengangguran", "en": "Unemployment"},
    "family.income": {"id": "Pendapatan", "en": "Income"},
    "family.awareness": {"id": "Kesadaran kritis", "en": "Critical awareness"},
    "unit.pp": {"id": "poin persen", "en": "percentage points"},
    "unit.pp_short": {"id": "pp", "en": "pp"},
    "unit.sd": {"id": "SD", "en": "SD"},
    "unit.rp_month": {"id": "Rp per bulan", "en": "Rp per month"},
    "unit.score": {"id": "skor 1-5", "en": "score 1-5"},
    "unit.respondents": {"id": "responden", "en": "respondents"},
    # ---- chart titles, axes, captions
    "chart.coef.title": {
        "id": "Dampak program menurut perbandingan dan hasil",
        "en": "Programme impact by contrast and outcome",
    },
    "chart.coef.xlabel": {
        "id": "Perkiraan dampak (dengan selang kepercayaan {level}%)",
        "en": "Estimated impact (with {level}% confidence interval)",
    },
    "chart.coef.xlabel_sd": {
        "id": "Dampak dalam simpangan baku kelompok kontrol (selang kepercayaan {level}%)",
        "en": "Impact in control-group standard deviations ({level}% confidence interval)",
    },
    "chart.coef.note_sd": {
        "id": "Dampak dibagi simpangan baku kelompok kontrol agar ketiga hasil dapat dibandingkan.",
        "en": "Impacts are divided by the control group's standard deviation so that the three "
        "outcomes can be compared.",
    },
    "chart.coef.no_ci": {
        "id": "Titik tanpa garis: selang tidak dapat diperkirakan karena kelompok terlalu sedikit.",
        "en": "Points without a line: no interval, because there are too few groups.",
    },
    "chart.traj.title": {"id": "{outcome} menurut perlakuan", "en": "{outcome} by arm"},
    "chart.traj.xlabel": {"id": "Gelombang survei", "en": "Survey wave"},
    "chart.income.title": {
        "id": "Sebaran pendapatan rumah tangga menurut perlakuan",
        "en": "Household income distribution by arm",
    },
    "chart.income.xlabel": {
        "id": "Pendapatan rumah tangga (Rp per bulan)",
        "en": "Household income (Rp per month)",
    },
    "chart.income.legend": {
        "id": "Kotak: kuartil 25-75%; garis: median; ekor: persentil 10-90%.",
        "en": "Box: 25-75% quartiles; line: median; whiskers: 10th-90th percentile.",
    },
    "chart.awareness.title": {
        "id": "Profil butir kesadaran kritis: {wave}",
        "en": "Critical-awareness item profile: {wave}",
    },
    "chart.awareness.xlabel": {
        "id": "Rata-rata skor (1 = sangat tidak setuju, 5 = sangat setuju)",
        "en": "Mean score (1 = strongly disagree, 5 = strongly agree)",
    },
    "chart.awareness.reverse": {
        "id": "(−) = butir terbalik: setuju berarti kurang kritis.",
        "en": "(−) = reverse-worded item: agreeing means less critical.",
    },
    "chart.attrition.title": {
        "id": "Tingkat respons menurut perlakuan dan gelombang",
        "en": "Response rate by arm and wave",
    },
    "chart.attrition.ylabel": {
        "id": "Responden yang diwawancarai (% dari survei awal)",
        "en": "Respondents interviewed (% of baseline roster)",
    },
    "chart.ce.title": {"id": "Efektivitas biaya", "en": "Cost-effectiveness"},
    "chart.ce.cost_title": {
        "id": "Biaya per peserta (Rp)",
        "en": "Cost per participant (Rp)",
    },
    "chart.ce.ratio_title": {
        "id": "Biaya per satuan dampak: {outcome}",
        "en": "Cost per unit of impact: {outcome}",
    },
    "chart.ce.xlabel_cost": {"id": "Rp per peserta", "en": "Rp per participant"},
    "chart.ce.xlabel_ratio": {
        "id": "Rp per {unit} (lebih kecil = lebih efisien)",
        "en": "Rp per {unit} (smaller = more efficient)",
    },
    "chart.ce.not_estimable": {
        "id": "tidak dapat dihitung (dampak tidak positif)",
        "en": "not estimable (impact not positive)",
    },
    "chart.forest.title": {
        "id": "Dampak menurut kabupaten/kota: {outcome}",
        "en": "Impact by district: {outcome}",
    },
    "chart.forest.xlabel": {
        "id": "Dampak pendampingan vs kontrol, {wave} ({unit})",
        "en": "Impact of mentoring vs control, {wave} ({unit})",
    },
    "chart.forest.pooled": {"id": "Gabungan provinsi", "en": "Province (pooled)"},
    "chart.no_data": {"id": "Data tidak cukup", "en": "Not enough data"},
    "caption.source": {
        "id": "Sumber: survei evaluasi JBP; n = {n} responden.",
        "en": "Source: JBP evaluation survey; n = {n} respondents.",
    },
    "caption.source_groups": {
        "id": "Sumber: survei evaluasi JBP dan catatan biaya program; {groups} kelompok, n = {n} peserta.",
        "en": "Source: JBP evaluation survey and programme cost records; {groups} groups, n = {n} participants.",
    },
    "caption.ci": {
        "id": "Garis: selang kepercayaan {level}% dengan klaster per kelompok (wild cluster bootstrap bila kelompok < 50).",
        "en": "Lines: {level}% confidence intervals clustered by group (wild cluster bootstrap below 50 groups).",
    },
    "caption.suppressed": {
        "id": "{marker} = disembunyikan: kurang dari {min_cell} responden.",
        "en": "{marker} = suppressed: fewer than {min_cell} respondents.",
    },
    "legend.arm": {"id": "Perlakuan", "en": "Arm"},
    "legend.contrast": {"id": "Perbandingan", "en": "Contrast"},
    # ---- table headers
    "col.outcome": {"id": "Hasil", "en": "Outcome"},
    "col.contrast": {"id": "Perbandingan", "en": "Contrast"},
    "col.wave": {"id": "Gelombang", "en": "Wave"},
    "col.arm": {"id": "Perlakuan", "en": "Arm"},
    "col.estimate": {"id": "Dampak", "en": "Impact"},
    "col.std_error": {"id": "Galat baku", "en": "Std. error"},
    "col.ci": {"id": "Selang kepercayaan", "en": "Confidence interval"},
    "col.ci_low": {"id": "Batas bawah", "en": "CI low"},
    "col.ci_high": {"id": "Batas atas", "en": "CI high"},
    "col.p_value": {"id": "Nilai p", "en": "p-value"},
    "col.n_obs": {"id": "Jumlah observasi", "en": "Observations"},
    "col.n_clusters": {"id": "Jumlah kelompok", "en": "Groups"},
    "col.control_mean": {"id": "Rata-rata kontrol", "en": "Control mean"},
    "col.method": {"id": "Metode", "en": "Method"},
    "col.inference": {"id": "Metode inferensi", "en": "Inference"},
    "col.n": {"id": "Jumlah responden", "en": "Respondents"},
    "col.n_groups": {"id": "Jumlah kelompok", "en": "Groups"},
    "col.mean": {"id": "Rata-rata", "en": "Mean"},
    "col.response_rate": {"id": "Tingkat respons (%)", "en": "Response rate (%)"},
    "col.item": {"id": "Butir", "en": "Item"},
    "col.district": {"id": "Kabupaten/kota", "en": "District"},
    "col.rank": {"id": "Peringkat", "en": "Rank"},
    "col.cost_per_participant": {"id": "Biaya per peserta (Rp)", "en": "Cost per participant (Rp)"},
    "col.total_cost": {"id": "Total biaya (Rp)", "en": "Total cost (Rp)"},
    "col.measure": {"id": "Ukuran", "en": "Measure"},
    "col.value": {"id": "Nilai", "en": "Value"},
    "col.subgroup": {"id": "Subkelompok", "en": "Subgroup"},
    "col.variable": {"id": "Variabel", "en": "Variable"},
    "col.difference": {"id": "Selisih", "en": "Difference"},
    "col.normalized_difference": {"id": "Selisih baku", "en": "Normalised difference"},
    "col.p_vs": {"id": "Nilai p: {contrast}", "en": "p-value: {contrast}"},
    "col.differential": {"id": "Selisih atrisi", "en": "Differential attrition"},
    "subgroup.all": {"id": "Semua", "en": "All"},
    "subgroup.male": {"id": "Laki-laki", "en": "Men"},
    "subgroup.female": {"id": "Perempuan", "en": "Women"},
    # ---- report sections (headings)
    "report.title": {
        "id": "Laporan evaluasi JBP: {district}",
        "en": "JBP evaluation report: {district}",
    },
    "report.province": {
        "id": "Jawa Tengah (semua kabupaten/kota)",
        "en": "Central Java (all districts)",
    },
    "overview.title": {
        "id": "Ringkasan provinsi: evaluasi JBP di Jawa Tengah",
        "en": "Provincial overview: the JBP evaluation in Central Java",
    },
    "section.quality": {"id": "Ringkasan mutu data", "en": "Data-quality summary"},
    "section.sample": {"id": "Sampel dan keseimbangan", "en": "Sample and balance"},
    "section.impacts": {"id": "Dampak program", "en": "Programme impacts"},
    "section.mentoring_vs_charitable": {
        "id": "Pendampingan dibandingkan model karitatif",
        "en": "Mentoring compared with the charitable model",
    },
    "section.heterogeneity": {
        "id": "Perbedaan dampak menurut jenis kelamin",
        "en": "Impact by sex",
    },
    "section.attrition": {"id": "Responden yang hilang (atrisi)", "en": "Attrition"},
    "section.cost": {"id": "Efektivitas biaya", "en": "Cost-effectiveness"},
    "section.caveats": {"id": "Catatan dan keterbatasan", "en": "Caveats"},
    "section.pooled": {"id": "Dampak gabungan provinsi", "en": "Pooled provincial impacts"},
    "section.forest": {"id": "Dampak per kabupaten/kota", "en": "Impacts by district"},
    "section.ranking": {"id": "Peringkat kabupaten/kota", "en": "District ranking"},
    # ---- narrative sentences
    "narr.intro": {
        "id": "Laporan ini mencakup {n_groups} kelompok ({n} pemuda) di {district}, "
        "dibagi acak ke tiga kelompok: {arms}.",
        "en": "This report covers {n_groups} groups ({n} young people) in {district}, "
        "randomly assigned to three arms: {arms}.",
    },
    "narr.quality": {
        "id": "Dari {rows_in} baris data mentah responden (semua kabupaten/kota), {kept} dipakai, "
        "{rejected} ditolak dengan alasan yang tercatat dan {duplicates} duplikat dihapus; "
        "{changes} nilai diperbaiki dan setiap perbaikan dicatat.",
        "en": "Of {rows_in} raw respondent rows (all districts), {kept} are used, {rejected} were "
        "rejected with a recorded reason and {duplicates} duplicates removed; {changes} values "
        "were corrected, each one logged.",
    },
    "narr.quality_district": {
        "id": "Di {district}, {missing} jawaban wajib dibiarkan kosong ({waves}).",
        "en": "In {district}, {missing} of required answers were left blank ({waves}).",
    },
    "narr.quality_generic": {
        "id": "Ringkasan mutu data dari langkah pembersihan ditampilkan di tabel berikut.",
        "en": "The cleaning step's data-quality summary is shown in the table below.",
    },
    "narr.balance": {
        "id": "Pada survei awal, kelompok-kelompok sebanding: {n_imbalanced} dari {n_vars} "
        "ciri berbeda nyata pada taraf 5%.",
        "en": "At baseline the arms are comparable: {n_imbalanced} of {n_vars} characteristics "
        "differ significantly at the 5% level.",
    },
    "narr.impact": {
        "id": "{wave}: {contrast}, dampak pada {outcome} {estimate} "
        "(selang kepercayaan {level}%: {ci_low} s.d. {ci_high}; p = {p}).",
        "en": "{wave}: {contrast}, impact on {outcome} {estimate} "
        "({level}% confidence interval {ci_low} to {ci_high}; p = {p}).",
    },
    "narr.significant": {"id": "nyata secara statistik", "en": "statistically significant"},
    "narr.not_significant": {
        "id": "tidak nyata secara statistik",
        "en": "not statistically significant",
    },
    "narr.mvc": {
        "id": "{wave}: dibandingkan model karitatif, dampak pendampingan pada {outcome} "
        "{estimate} ({sig}).",
        "en": "{wave}: compared with the charitable model, the impact of mentoring on {outcome} "
        "is {estimate} ({sig}).",
    },
    "narr.heterogeneity": {
        "id": "{wave}: dampak pendampingan pada {outcome} {male} untuk laki-laki dan "
        "{female} untuk perempuan.",
        "en": "{wave}: the impact of mentoring on {outcome} is {male} for men and {female} for "
        "women.",
    },
    "narr.attrition": {
        "id": "{wave}: {rate} responden survei awal berhasil diwawancarai lagi "
        "(kontrol {kontrol}, karitatif {karitatif}, pendampingan {pendampingan}).",
        "en": "{wave}: {rate} of baseline respondents were interviewed again "
        "(control {kontrol}, charitable {karitatif}, mentoring {pendampingan}).",
    },
    "narr.cost": {
        "id": "Biaya per peserta: {pendampingan} untuk pendampingan dan {karitatif} untuk model "
        "karitatif.",
        "en": "Cost per participant: {pendampingan} for mentoring and {karitatif} for the "
        "charitable model.",
    },
    "narr.pooled": {
        "id": "{wave}: di seluruh provinsi ({n_districts} kabupaten/kota, {n} responden), dampak "
        "pendampingan pada {outcome} {estimate} (selang kepercayaan {level}%: {ci_low} s.d. "
        "{ci_high}).",
        "en": "{wave}: across the province ({n_districts} districts, {n} respondents), the impact "
        "of mentoring on {outcome} is {estimate} ({level}% confidence interval {ci_low} to "
        "{ci_high}).",
    },
    "narr.ranking": {
        "id": "Kabupaten/kota diurutkan menurut dampak pendampingan terhadap {outcome} ({wave}); "
        "perkiraan per kabupaten/kota kurang tepat dibanding perkiraan gabungan.",
        "en": "Districts are ranked by the impact of mentoring on {outcome} ({wave}); district "
        "estimates are less precise than the pooled estimate.",
    },
    "narr.missing_data": {
        "id": "Data olahan tidak ditemukan di {path}. Jalankan `make report` (atau `jbp clean`) "
        "untuk membuatnya.",
        "en": "Processed data not found in {path}. Run `make report` (or `jbp clean`) to "
        "create it.",
    },
    "caveat.small_sample": {
        "id": "Perkiraan untuk satu kabupaten/kota berasal dari sedikit kelompok ({n_groups}); "
        "selang kepercayaan lebar dan hasil perlu dibaca hati-hati.",
        "en": "Estimates for one district rest on few groups ({n_groups}); confidence intervals "
        "are wide and results should be read with care.",
    },
    "caveat.disclosure": {
        "id": "Sel dengan kurang dari {min_cell} responden disembunyikan ({marker}) untuk "
        "melindungi kerahasiaan responden.",
        "en": "Cells with fewer than {min_cell} respondents are suppressed ({marker}) to protect "
        "respondents' confidentiality.",
    },
    "caveat.attrition": {
        "id": "Responden yang tidak diwawancarai lagi dapat membuat perkiraan bias jika atrisi "
        "berbeda antar kelompok; lihat bagian atrisi.",
        "en": "Respondents lost to follow-up can bias the estimates if attrition differs between "
        "arms; see the attrition section.",
    },
    "caveat.multiple": {
        "id": "Banyak hasil dan perbandingan diuji sekaligus; beberapa hasil nyata bisa muncul "
        "karena kebetulan.",
        "en": "Many outcomes and contrasts are tested at once; some significant results may "
        "arise by chance.",
    },
    "caveat.simulated": {
        "id": "Data ini adalah data simulasi untuk uji coba perangkat analisis, bukan hasil survei "
        "nyata.",
        "en": "These are simulated data for testing the analysis suite, not real survey results.",
    },
    # ---- index page / HTML
    "index.title": {
        "id": "Laporan evaluasi JBP per kabupaten/kota",
        "en": "JBP evaluation reports by district",
    },
    "index.intro": {
        "id": "{n} laporan kabupaten/kota dan satu ringkasan provinsi. Klik nama untuk membuka "
        "laporan lengkap.",
        "en": "{n} district reports and one provincial overview. Click a name to open the full "
        "report.",
    },
    "index.report": {"id": "Laporan (HTML)", "en": "Report (HTML)"},
    "index.tables": {"id": "Tabel (Excel)", "en": "Tables (Excel)"},
    "index.charts": {"id": "Grafik (PDF)", "en": "Charts (PDF)"},
    "index.notebook": {"id": "Notebook Jupyter", "en": "Jupyter notebook"},
    "index.overview": {"id": "Ringkasan provinsi", "en": "Provincial overview"},
    "index.failed": {"id": "Gagal dibuat: {error}", "en": "Failed to build: {error}"},
    "index.generated": {"id": "Versi kode {version}", "en": "Code version {version}"},
    "index.headline": {
        "id": "Dampak pendampingan dibanding kontrol, {wave} (selang kepercayaan 95%):",
        "en": "Impact of mentoring vs control, {wave} (95% confidence interval):",
    },
    "html.contents": {"id": "Daftar isi", "en": "Contents"},
    # ---- short labels of the critical-awareness items (charts)
    "item.ca01_know_dana_desa": {"id": "Tahu besar Dana Desa", "en": "Knows Dana Desa amount"},
    "item.ca02_attend_musdes": {"id": "Hadir musyawarah desa", "en": "Attends village meeting"},
    "item.ca03_right_budget_report": {
        "id": "Berhak minta laporan anggaran",
        "en": "Right to budget reports",
    },
    "item.ca04_report_misuse": {"id": "Akan melapor penyalahgunaan", "en": "Would report misuse"},
    "item.ca05_petty_bribe_ok": {"id": "Uang pelicin wajar", "en": "Petty bribes are normal"},
    "item.ca06_youth_efficacy": {
        "id": "Pemuda bisa mempengaruhi desa",
        "en": "Youth can influence village",
    },
    "item.ca07_follow_apbdes": {"id": "Membaca papan APBDes", "en": "Reads budget notice board"},
    "item.ca08_budget_not_youth": {
        "id": "Anggaran bukan urusan pemuda",
        "en": "Budget not youth's business",
    },
    "item.ca09_discuss_budget": {
        "id": "Membicarakan anggaran desa",
        "en": "Discusses village budget",
    },
    "item.ca10_gift_vote_ok": {
        "id": "Hadiah calon kades biasa",
        "en": "Gifts for votes are normal",
    },
    # ---- cost-effectiveness metrics (jbp_analysis.analyses.cost_effectiveness.METRICS)
    "metric.cost_per_participant_rp": {
        "id": "Biaya per peserta (Rp)",
        "en": "Cost per participant (Rp)",
    },
    "metric.incremental_cost_per_participant_rp": {
        "id": "Tambahan biaya per peserta (Rp)",
        "en": "Incremental cost per participant (Rp)",
    },
    "metric.employment_effect": {
        "id": "Dampak pada bekerja (proporsi)",
        "en": "Employment effect (share)",
    },
    "metric.employed_per_100m_rp": {
        "id": "Tambahan pemuda bekerja per Rp 100 jt",
        "en": "Additional employed youth per Rp 100m",
    },
    "metric.cost_per_additional_employed_rp": {
        "id": "Biaya per tambahan pemuda bekerja (Rp)",
        "en": "Cost per additional employed youth (Rp)",
    },
    "metric.income_effect_rp": {
        "id": "Dampak pendapatan (Rp/bulan)",
        "en": "Income effect (Rp/month)",
    },
    "metric.income_gain_per_rp": {
        "id": "Tambahan pendapatan per Rp biaya",
        "en": "Income gain per Rp spent",
    },
    "col.comparison": {"id": "Perbandingan", "en": "Comparison"},
    "col.metric": {"id": "Ukuran", "en": "Metric"},
    "col.n_boot": {"id": "Jumlah ulangan bootstrap", "en": "Bootstrap replicates"},
    "col.level": {"id": "Tingkat kepercayaan", "en": "Confidence level"},
    # ---- workbook sheet titles / misc
    "sheet.readme": {"id": "Keterangan", "en": "About"},
    "misc.yes": {"id": "Ya", "en": "Yes"},
    "misc.no": {"id": "Tidak", "en": "No"},
    "misc.and": {"id": "dan", "en": "and"},
    "misc.to": {"id": "s.d.", "en": "to"},
    # ---- outcomes named inside sentences ("... on open unemployment")
    "about.openly_unemployed": {"id": "pengangguran terbuka", "en": "open unemployment"},
    "about.unemployed": {"id": "tingkat pengangguran terbuka", "en": "the unemployment rate"},
    "about.employed": {"id": "bekerja", "en": "employment"},
    "about.income_household": {"id": "pendapatan rumah tangga", "en": "household income"},
    "about.household_income": {"id": "pendapatan rumah tangga", "en": "household income"},
    "about.awareness_anderson": {
        "id": "indeks kesadaran kritis",
        "en": "the critical-awareness index",
    },
    "about.responded": {"id": "tingkat respons", "en": "the response rate"},
    # ---- reader tables
    "col.ci_level": {"id": "Selang kepercayaan {level}%", "en": "{level}% confidence interval"},
    "col.respondents": {"id": "Responden", "en": "Respondents"},
    "col.groups": {"id": "Kelompok", "en": "Groups"},
    "col.scope": {"id": "Cakupan", "en": "Scope"},
    "col.ftest": {
        "id": "Uji gabungan (nilai p pengacakan ulang)",
        "en": "Joint test (randomisation p-value)",
    },
    "note.ftest_ri": {
        "id": "Uji gabungan: statistik F (galat baku diklaster) dari regresi perlakuan atas semua "
        "variabel; nilai p dari {n_perm} pengacakan ulang kelompok, karena nilai p distribusi F "
        "terlalu sering menolak bila kelompok sedikit.",
        "en": "Joint test: the clustered F statistic of the arm regressed on all the variables; "
        "its p-value comes from {n_perm} re-randomisations of the groups, because the "
        "F-distribution p-value rejects far too often with few groups.",
    },
    "table.not_estimable": {
        "id": "tidak dapat diperkirakan dengan kelompok sesedikit ini",
        "en": "not estimable with this few groups",
    },
    "table.not_estimable_short": {"id": "tidak dapat diperkirakan", "en": "not estimable"},
    "note.ftest_not_estimable": {
        "id": "Uji gabungan atas {k} variabel membutuhkan lebih dari {k} kelompok per pasangan "
        "perlakuan; di sini hanya ada {n_groups}, sehingga uji ini tidak dapat diperkirakan. "
        "Selisih per variabel tetap dilaporkan.",
        "en": "A joint test of {k} variables needs more than {k} groups per pair of arms; "
        "here there are only {n_groups}, so it is not estimable. Each variable's difference is "
        "still reported.",
    },
    "note.impact_not_estimable": {
        "id": "Baris 'tidak dapat diperkirakan': perlakuan atau data hasil tidak cukup di sel ini.",
        "en": "Rows marked 'not estimable': an arm or the outcome data are missing in that cell.",
    },
    "note.inference_wild": {
        "id": "Nilai p dan selang kepercayaan dari bootstrap liar per kelompok (wild cluster "
        "bootstrap), karena kelompoknya sedikit.",
        "en": "p-values and confidence intervals from a wild cluster bootstrap, because there are "
        "few groups.",
    },
    "note.few_groups_ci": {
        "id": "Tanpa selang kepercayaan dan nilai p: satu perlakuan hanya punya 2 kelompok atau "
        "kurang, terlalu sedikit untuk inferensi yang dapat dipercaya.",
        "en": "No confidence interval or p-value: an arm has 2 groups or fewer, too few for "
        "reliable inference.",
    },
    "narr.impact_no_ci": {
        "id": "{wave}: {contrast}, dampak pada {outcome} {estimate} (tanpa selang kepercayaan: "
        "kelompok terlalu sedikit).",
        "en": "{wave}: {contrast}, impact on {outcome} {estimate} (no confidence interval: too "
        "few groups).",
    },
    "narr.not_testable": {
        "id": "tidak dapat diuji dengan kelompok sesedikit ini",
        "en": "not testable with this few groups",
    },
    "note.ce_interval": {
        "id": "Angka dalam kurung: selang kepercayaan {level}% dari bootstrap kelompok "
        "({n_boot} ulangan).",
        "en": "In brackets: {level}% confidence interval from a group bootstrap "
        "({n_boot} replicates).",
    },
    "narr.balance_few_groups": {
        "id": "Uji gabungan semua ciri tidak dapat diperkirakan dengan kelompok sesedikit ini.",
        "en": "The joint test of all characteristics is not estimable with this few groups.",
    },
    "narr.balance_joint": {
        "id": "Uji gabungan semua ciri, {contrast}: p = {p}.",
        "en": "Joint test of all characteristics, {contrast}: p = {p}.",
    },
    # ---- data quality (quality.json of the cleaning step)
    "scope.all": {"id": "Semua kabupaten/kota", "en": "All districts"},
    "quality.rows_in": {"id": "Baris data mentah (responden)", "en": "Raw rows (respondents)"},
    "quality.kept": {"id": "Baris dipakai", "en": "Rows kept"},
    "quality.rejected": {
        "id": "Baris ditolak, dengan alasan tercatat",
        "en": "Rows rejected, with a recorded reason",
    },
    "quality.exact_duplicates": {"id": "Duplikat persis dihapus", "en": "Exact duplicates removed"},
    "quality.near_duplicates": {
        "id": "Kiriman ulang wawancara yang sama dihapus",
        "en": "Resubmissions of the same interview removed",
    },
    "quality.decided_duplicates": {
        "id": "Duplikat dihapus atas keputusan tim lapangan",
        "en": "Duplicates dropped by field-team decision",
    },
    "quality.pending_sets": {
        "id": "Set duplikat yang menunggu keputusan tim lapangan",
        "en": "Duplicate sets awaiting a field-team decision",
    },
    "quality.changes": {
        "id": "Nilai diperbaiki (semua tercatat di log)",
        "en": "Values corrected (all logged)",
    },
    "quality.outliers": {"id": "Nilai ekstrem ditandai", "en": "Extreme values flagged"},
    "quality.enumerators": {
        "id": "Pewawancara yang ditandai untuk diperiksa",
        "en": "Enumerators flagged for review",
    },
    "quality.of": {"id": "{k} dari {n}", "en": "{k} of {n}"},
    "quality.unknown_columns": {
        "id": "Kolom tak dikenal (tidak dipakai)",
        "en": "Unknown columns (not used)",
    },
    "quality.item_missing": {
        "id": "Jawaban wajib yang kosong, {wave}",
        "en": "Required answers left blank, {wave}",
    },
    "quality.rule": {"id": "Perbaikan: {rule}", "en": "Correction: {rule}"},
    "quality.reason": {"id": "Ditolak: {reason}", "en": "Rejected: {reason}"},
    "rule.district_fuzzy_match": {
        "id": "nama kabupaten/kota dicocokkan",
        "en": "district name matched",
    },
    "rule.exact_duplicate": {"id": "duplikat persis", "en": "exact duplicate"},
    "rule.label_to_code": {"id": "label diubah ke kode", "en": "label turned into its code"},
    "rule.missing_code": {
        "id": "kode 'tidak tahu/menolak' menjadi kosong",
        "en": "don't-know/refused code set to missing",
    },
    "rule.near_duplicate": {"id": "kiriman ulang", "en": "resubmission"},
    "rule.out_of_range": {"id": "nilai di luar rentang", "en": "value out of range"},
    "rule.relink_miskeyed_nik": {
        "id": "NIK salah ketik dihubungkan kembali",
        "en": "mistyped NIK relinked",
    },
    "rule.rupiah_parse": {"id": "penulisan rupiah dibaca", "en": "rupiah amount parsed"},
    "rule.skip_logic": {"id": "pola lompatan kuesioner", "en": "questionnaire skip logic"},
    "rule.arm_from_assignment": {
        "id": "perlakuan dari daftar penugasan",
        "en": "arm taken from the assignment list",
    },
    "rule.district_from_assignment": {
        "id": "kabupaten/kota dari daftar penugasan",
        "en": "district taken from the assignment list",
    },
    "rule.duplicate_decision": {
        "id": "keputusan tim lapangan atas duplikat",
        "en": "field-team duplicate decision",
    },
    "reason.conflicting_duplicate": {
        "id": "duplikat dengan jawaban berbeda",
        "en": "duplicate with different answers",
    },
    "reason.not_on_baseline_roster": {
        "id": "tidak ada di daftar survei awal",
        "en": "not on the baseline roster",
    },
    "reason.invalid_nik": {"id": "NIK tidak 16 angka", "en": "NIK is not 16 digits"},
    "reason.unknown_group": {"id": "kelompok tidak dikenal", "en": "unknown group"},
    "reason.duplicate_nik": {"id": "NIK dipakai dua responden", "en": "NIK shared by two people"},
    "reason.missing_id": {"id": "kode identitas kosong", "en": "identifier blank"},
    "reason.wave_mismatch": {
        "id": "gelombang tidak sesuai berkas",
        "en": "wave does not match the file",
    },
    "reason.unknown_district_code": {
        "id": "kode BPS bukan kabupaten/kota Jawa Tengah",
        "en": "not a Central Java BPS code",
    },
    # ---- number words
    "num.thousand": {"id": "rb", "en": "k"},
    "num.million": {"id": "jt", "en": "m"},
    "num.billion": {"id": "M", "en": "bn"},
}

#: Keys whose text is the same in both languages on purpose (symbols, templates, loanwords).
NEUTRAL: frozenset[str] = frozenset({"contrast.vs", "unit.pp_short", "unit.sd"})

_SPACE_BEFORE_UNIT = {"id": True, "en": False}


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is a supported language, else raise ``ConfigError``."""
    if lang not in LANGS:
        from jbp_analysis.core.errors import ConfigError

        raise ConfigError(f"language {lang!r} is not supported; use 'id' (Indonesian) or 'en'")
    return lang


def t(key: str, lang: str = "id", /, **values: object) -> str:
    """Translate ``key`` into ``lang``, filling ``{placeholders}`` from ``values``.

    Examples
    --------
    >>> t("legend.arm", "en")
    'Arm'
    """
    check_lang(lang)
    try:
        text = TABLE[key][lang]
    except KeyError:
        raise KeyError(f"no translation for {key!r}") from None
    return text.format(**values) if values else text


def arm_label(arm: str, lang: str = "id", *, long: bool = False) -> str:
    """Display label of an arm (``"pendampingan"`` -> ``"Pendampingan"``/``"Mentoring"``)."""
    return t(f"arm.long.{arm}" if long else f"arm.{arm}", lang)


def item_label(item: str, lang: str = "id") -> str:
    """Short chart label of a critical-awareness item (``"ca05_petty_bribe_ok"``)."""
    return t(f"item.{item}", lang)


def wave_label(wave: str, lang: str = "id") -> str:
    """Display label of a survey wave."""
    return t(f"wave.{wave}", lang)


def outcome_label(outcome: str, lang: str = "id") -> str:
    """Display label of an outcome; unknown outcomes fall back to a tidied variable name."""
    key = f"outcome.{outcome}"
    if key in TABLE:
        return t(key, lang)
    if outcome.startswith("ca") and outcome[2:4].isdigit():
        from jbp_analysis.study.codebook import load_codebook

        for v in load_codebook().awareness_items():
            if v.name == outcome:
                return v.label[lang]
    return outcome.replace("_", " ")


def outcome_about(outcome: str, lang: str = "id") -> str:
    """How an outcome is named inside a sentence: ``"openly_unemployed"`` -> ``"pengangguran
    terbuka"``; otherwise the label without its unit, in lower case.

    Examples
    --------
    >>> outcome_about("income_household", "en"), outcome_about("age", "en")
    ('household income', 'age')
    """
    key = f"about.{outcome}"
    if key in TABLE:
        return t(key, lang)
    label = re.sub(r"\s*\([^)]*\)\s*$", "", outcome_label(outcome, lang))
    return label[:1].lower() + label[1:]


_ARMS = ("pendampingan", "karitatif", "kontrol")


def contrast_arms(contrast: str) -> tuple[str, str]:
    """The two arms of a contrast name written as ``A vs B``, ``A - B`` or ``A_vs_B``.

    Examples
    --------
    >>> contrast_arms("pendampingan - kontrol")
    ('pendampingan', 'kontrol')
    """
    found = sorted(
        ((m.start(), arm) for arm in _ARMS for m in re.finditer(arm, str(contrast))),
    )
    arms = [a for _, a in found]
    if len(arms) == 1:
        return arms[0], "kontrol"
    if len(arms) != 2:
        raise ValueError(f"cannot read the two arms of contrast {contrast!r}")
    return arms[0], arms[1]


def contrast_label(contrast: str, lang: str = "id") -> str:
    """``"pendampingan_vs_kontrol"`` -> ``"Pendampingan vs Kontrol"``."""
    a, b = contrast_arms(contrast)
    return t("contrast.vs", lang, a=arm_label(a, lang), b=arm_label(b, lang))


def _num(x: float, decimals: int, lang: str) -> str:
    text = f"{x:,.{decimals}f}"
    if lang == "id":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text


def fmt_number(x: float | None, lang: str = "id", *, decimals: int = 1) -> str:
    """Format a number for ``lang``: ``1234.5`` -> ``"1.234,5"`` (id) or ``"1,234.5"`` (en)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return _num(float(x), decimals, lang).replace("-", "\u2212")


def fmt_signed(x: float | None, lang: str = "id", *, decimals: int = 1, suffix: str = "") -> str:
    """Format with an explicit sign: ``+1,5`` / ``\u22121,5``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    sign = "+" if x > 0 else ""
    return sign + fmt_number(x, lang, decimals=decimals) + suffix


def fmt_pct(share: float | None, lang: str = "id", *, decimals: int = 1) -> str:
    """Format a share (0..1) as a percentage: ``0.123`` -> ``"12,3%"``."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "-"
    return fmt_number(100 * float(share), lang, decimals=decimals) + "%"


def fmt_rp(x: float | None, lang: str = "id", *, decimals: int = 1, signed: bool = False) -> str:
    """Format rupiah compactly: ``1_500_000`` -> ``"Rp 1,5 jt"`` (id) or ``"Rp 1.5m"`` (en).

    Trailing zero decimals are dropped (``"Rp 2 jt"``). Negative amounts get a minus sign
    before ``Rp``.

    Examples
    --------
    >>> fmt_rp(750_000), fmt_rp(-2_000_000, "en"), fmt_rp(2.5e9)
    ('Rp 750 rb', '\u2212Rp 2m', 'Rp 2,5 M')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    x = float(x)
    sign = "\u2212" if x < 0 else ("+" if signed and x > 0 else "")
    a = abs(x)
    for scale, key in ((1e9, "num.billion"), (1e6, "num.million"), (1e3, "num.thousand")):
        if a >= scale * 0.9995:
            v = round(a / scale, decimals)
            body = _num(v, decimals, lang)
            if decimals and re.search(r"[.,]0+$", body):
                body = re.sub(r"[.,]0+$", "", body)
            unit = t(key, lang)
            sep = " " if _SPACE_BEFORE_UNIT[lang] else ""
            return f"{sign}Rp {body}{sep}{unit}"
    return f"{sign}Rp {_num(a, 0, lang)}"
