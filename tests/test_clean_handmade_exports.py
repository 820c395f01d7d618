"""Hand-typed field-tool exports clean to hand-typed values (no simulator in the loop).

Every other export-flavour test (``tests/test_clean_exports.py``) cleans files that our own
simulator wrote: if the simulator's idea of a KoboToolbox or ODK Central export were wrong, those
tests would still pass. Here the exports are typed by hand as the tools write them from the
shipped forms (``study/forms/jbp_responden.xlsx``: question names, groups, choice names and
labels), and the decoded values expected in the processed panel are typed by hand too:

* KoboToolbox "XML values and headers" CSV: ``;``-separated, every field quoted, group paths
  with ``/``, the form's metadata (``start``, ``end`` with the device's UTC offset, ``today``,
  ``deviceid``) first and every server column after the questions (``_id``, ``_uuid``,
  ``_submission_time`` in UTC without offset, ``_validation_status``, ``_notes``, ``_status``,
  ``_submitted_by``, ``__version__``, ``_tags``, ``_index``);
* KoboToolbox "labels" CSV, in Bahasa Indonesia and in English: ``Group label/Question label``
  headers and answer labels;
* ODK Central CSV (``jbp_responden.csv`` from the export zip): ``,``-separated,
  ``SubmissionDate`` first (UTC, ``Z``), group paths with ``-``, ``meta-instanceID`` with its
  ``uuid:`` prefix, then ``KEY``, ``SubmitterID``, ``SubmitterName``, ``AttachmentsPresent``,
  ``AttachmentsExpected``, ``Status``, ``ReviewState``, ``DeviceID``, ``Edits``, ``FormVersion``
  (the column order of central-backend's own CSV tests);
* KoboToolbox XLSX ("store numbers and dates as text" off: numbers and dates are typed cells).

Six baseline respondents in two kelompok, following the form's skip logic, with refusals and
"don't know" (choice names ``menolak``/``tidak_tahu``, codes ``-99``/``-98``). One form for all
waves: the wave comes from ``gelombang``. The only other file is the group assignment, typed by
hand. Each export must pass ``jbp check`` and ``jbp clean`` with exit 0 and no unreadable value,
and give the typed values cell by cell (NA equal to NA); an answer that is no choice
(``perempuan_x``) must stop both with exit 2 naming the file, the column and the value.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jbp_analysis.cli import main
from jbp_analysis.study.folder import resolve_study

SECRET = "test-secret-for-handmade-exports-0123456789"
KOBO_CSV = "JBP_responden_-_all_versions_-_False_-_2017-04-06-03-15-22.csv"
KOBO_LABELS_CSV = "JBP_responden_-_all_versions_-_labels_-_2017-04-06-03-15-22.csv"
KOBO_XLSX = "JBP_responden_-_all_versions_-_False_-_2017-04-06-03-15-22.xlsx"
ODK_CSV = "jbp_responden.csv"

# the randomisation record, as a field team fills study/templates/penugasan_kelompok.csv
ASSIGNMENT = """\
id_kelompok,kode_bps,perlakuan,kohort,bulan_mulai
3322-C1-G01,3322,kontrol,1,2017-04-01
3322-C1-G02,3322,pendampingan,1,2017-04-01
"""

# ------------------------------------------------------------------------------------ exports
KOBO_XML = """\
"start";"end";"today";"deviceid";"gelombang";"identitas/id_responden";"identitas/id_rumah_tangga";"identitas/nama_responden";"identitas/nik";"identitas/no_hp";"lokasi/kabupaten_kota";"lokasi/id_kelompok";"lokasi/perkotaan_perdesaan";"latar/jenis_kelamin";"latar/umur";"latar/pendidikan";"latar/jumlah_art";"latar/status_kawin";"kerja/r1_bekerja_seminggu";"kerja/r2_sementara_tidak_bekerja";"kerja/r3_mencari_pekerjaan";"kerja/r4_mempersiapkan_usaha";"kerja/r4a_alasan_tidak_mencari";"kerja/r5_bersedia_bekerja";"kerja/r6_jam_kerja";"kerja/r7_usaha_sendiri";"pendapatan/pendapatan_rumah_tangga";"pendapatan/keuntungan_usaha";"konsumsi/k01_padi_umbi";"konsumsi/k02_ikan_daging_telur_susu";"konsumsi/k03_sayur_kacang_buah";"konsumsi/k04_minyak_gula_bumbu";"konsumsi/k05_makanan_jadi";"konsumsi/k06_rokok";"konsumsi/k07_perumahan";"konsumsi/k08_transportasi_komunikasi";"konsumsi/k09_barang_jasa";"konsumsi/k10_pendidikan";"konsumsi/k11_pakaian";"konsumsi/k12_barang_tahan_lama_pesta";"kesadaran/ks01_tahu_dana_desa";"kesadaran/ks02_hadir_musdes";"kesadaran/ks03_hak_laporan_anggaran";"kesadaran/ks04_lapor_penyalahgunaan";"kesadaran/ks05_uang_pelicin_wajar";"kesadaran/ks06_pemuda_berpengaruh";"kesadaran/ks07_ikuti_apbdes";"kesadaran/ks08_anggaran_bukan_urusan_pemuda";"kesadaran/ks09_diskusi_anggaran";"kesadaran/ks10_hadiah_pilkades_biasa";"wawancara/tanggal_wawancara";"wawancara/kode_enumerator";"wawancara/durasi_menit";"_id";"_uuid";"_submission_time";"_validation_status";"_notes";"_status";"_submitted_by";"__version__";"_tags";"_index"
"2017-04-03T09:02:11.204+07:00";"2017-04-03T09:48:40.517+07:00";"2017-04-03";"collect:Rk3Jd8Qz1XbW7mNa";"0";"3322-C1-G01-01";"RT-3322-100101";"Agus Setiawan";"3322011205980001";"081234567801";"3322";"3322-C1-G01";"perdesaan";"laki_laki";"18";"sma";"4";"belum_kawin";"ya";"";"";"";"";"";"40";"tidak";"2500000";"";"70000";"50000";"40000";"30000";"25000";"35000";"350000";"150000";"80000";"1200000";"600000";"400000";"setuju";"ragu_ragu";"sangat_setuju";"setuju";"tidak_setuju";"setuju";"ragu_ragu";"sangat_tidak_setuju";"setuju";"tidak_setuju";"2017-04-03";"ENUM-3322-01";"46.5";"51234567";"5f1c2a9e-8d3b-4c71-9a0e-2b6d4f8e1a01";"2017-04-03T02:50:12";"";"";"submitted_via_web";"";"vQ7sNkXw3pE9bTzLmR2dYc";"";"1"
"2017-04-03T10:05:30.010+07:00";"2017-04-03T10:41:02.880+07:00";"2017-04-03";"collect:Rk3Jd8Qz1XbW7mNa";"0";"3322-C1-G01-02";"RT-3322-100102";"Siti Rahayu";"3322015501000002";"";"3322";"3322-C1-G01";"perdesaan";"perempuan";"17";"smp";"5";"belum_kawin";"tidak";"tidak";"ya";"tidak";"";"ya";"";"";"1800000";"";"60000";"30000";"35000";"20000";"15000";"0";"250000";"100000";"60000";"900000";"400000";"150000";"tidak_setuju";"tidak_setuju";"setuju";"ragu_ragu";"setuju";"sangat_setuju";"tidak_tahu";"tidak_setuju";"ragu_ragu";"setuju";"2017-04-03";"ENUM-3322-01";"35.5";"51234601";"7a2e4c10-3f5d-4b8e-8c21-9e0f1a2b3c02";"2017-04-03T03:45:58";"";"";"submitted_via_web";"";"vQ7sNkXw3pE9bTzLmR2dYc";"";"2"
"2017-04-04T08:30:00.000+07:00";"2017-04-04T09:22:15.120+07:00";"2017-04-04";"collect:Zp8Lm2Vc4NtY6qRe";"0";"3322-C1-G01-03";"RT-3322-100103";"Dewi Lestari";"3322034208900003";"085600112233";"3322";"3322-C1-G01";"perdesaan";"perempuan";"26";"diploma_sarjana";"3";"kawin";"tidak";"ya";"";"";"";"";"";"ya";"3200000";"500000";"90000";"80000";"50000";"45000";"60000";"20000";"500000";"300000";"150000";"2400000";"1000000";"2500000";"sangat_setuju";"setuju";"sangat_setuju";"sangat_setuju";"sangat_tidak_setuju";"setuju";"setuju";"sangat_tidak_setuju";"setuju";"tidak_setuju";"2017-04-04";"ENUM-3322-02";"52.25";"51235002";"0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d03";"2017-04-04T02:30:41";"";"";"submitted_via_web";"";"vQ7sNkXw3pE9bTzLmR2dYc";"";"3"
"2017-04-04T13:10:45.900+07:00";"2017-04-04T13:58:01.300+07:00";"2017-04-04";"collect:Zp8Lm2Vc4NtY6qRe";"0";"3322-C1-G02-01";"RT-3322-200101";"Budi Santoso";"3322042011930004";"087811223344";"3322";"3322-C1-G02";"perkotaan";"laki_laki";"23";"sd";"6";"kawin";"ya";"";"";"";"";"";"56";"ya";"4000000";"1200000";"100000";"90000";"60000";"50000";"40000";"140000";"600000";"350000";"200000";"300000";"500000";"750000";"ragu_ragu";"tidak_setuju";"setuju";"setuju";"setuju";"ragu_ragu";"tidak_setuju";"ragu_ragu";"tidak_setuju";"setuju";"2017-04-04";"ENUM-3322-02";"47";"51235090";"c4d3e2f1-a0b9-4c8d-8e7f-6a5b4c3d2e04";"2017-04-04T07:00:03";"";"";"submitted_via_web";"";"vQ7sNkXw3pE9bTzLmR2dYc";"";"4"
"2017-04-05T09:00:00.000+07:00";"2017-04-05T09:31:12.000+07:00";"2017-04-05";"collect:Rk3Jd8Qz1XbW7mNa";"0";"3322-C1-G02-02";"RT-3322-200102";"Rina Wulandari";"3322055003990005";"";"3322";"3322-C1-G02";"perkotaan";"menolak";"-99";"tidak_tahu";"7";"belum_kawin";"tidak";"tidak";"tidak";"tidak";"sekolah";"tidak";"";"";"-98";"";"80000";"40000";"30000";"25000";"10000";"-99";"300000";"90000";"50000";"1500000";"350000";"200000";"menolak";"sangat_tidak_setuju";"ragu_ragu";"ragu_ragu";"ragu_ragu";"tidak_setuju";"sangat_tidak_setuju";"setuju";"sangat_tidak_setuju";"ragu_ragu";"2017-04-05";"ENUM-3322-01";"31.2";"51236110";"e5f4a3b2-c1d0-4e9f-8a7b-6c5d4e3f2a05";"2017-04-05T02:32:09";"";"";"submitted_via_web";"";"vQ7sNkXw3pE9bTzLmR2dYc";"";"5"
"2017-04-05T14:20:00.000+07:00";"2017-04-05T14:58:30.000+07:00";"2017-04-05";"collect:Zp8Lm2Vc4NtY6qRe";"0";"3322-C1-G02-03";"RT-3322-200103";"Sri Wahyuni";"3322066802870006";"081390001122";"3322";"3322-C1-G02";"perkotaan";"perempuan";"30";"tidak_tamat_sd";"2";"cerai_mati";"menolak";"";"";"";"";"";"";"";"900000";"";"40000";"20000";"30000";"15000";"5000";"0";"150000";"60000";"40000";"0";"120000";"100000";"setuju";"setuju";"setuju";"setuju";"setuju";"setuju";"setuju";"setuju";"setuju";"setuju";"2017-04-05";"ENUM-3322-02";"38";"51236188";"f6a5b4c3-d2e1-4f0a-9b8c-7d6e5f4a3b06";"2017-04-05T08:00:31";"";"";"submitted_via_web";"";"vQ7sNkXw3pE9bTzLmR2dYc";"";"6"
"""

KOBO_LABELS_ID = """\
"start";"end";"today";"deviceid";"Gelombang survei (0=awal, 1=akhir, 2=lanjutan)";"Identitas responden/ID responden";"Identitas responden/ID rumah tangga";"Identitas responden/Nama responden";"Identitas responden/NIK (Nomor Induk Kependudukan)";"Identitas responden/Nomor HP";"Lokasi/Kabupaten/kota";"Lokasi/ID kelompok";"Lokasi/Klasifikasi desa/kelurahan tempat tinggal (BPS)";"Latar belakang/Jenis kelamin";"Latar belakang/Umur (tahun)";"Latar belakang/Pendidikan tertinggi";"Latar belakang/Jumlah anggota rumah tangga";"Latar belakang/Status perkawinan";"Kegiatan seminggu terakhir (Sakernas)/Bekerja paling sedikit 1 jam dalam seminggu terakhir (untuk upah/keuntungan)";"Kegiatan seminggu terakhir (Sakernas)/Punya pekerjaan tetapi sementara tidak bekerja";"Kegiatan seminggu terakhir (Sakernas)/Sedang mencari pekerjaan";"Kegiatan seminggu terakhir (Sakernas)/Sedang mempersiapkan usaha";"Kegiatan seminggu terakhir (Sakernas)/Alasan utama tidak mencari pekerjaan/mempersiapkan usaha";"Kegiatan seminggu terakhir (Sakernas)/Bersedia menerima pekerjaan jika ditawarkan";"Kegiatan seminggu terakhir (Sakernas)/Jam kerja seminggu terakhir";"Kegiatan seminggu terakhir (Sakernas)/Menjalankan usaha sendiri";"Pendapatan/Pendapatan rumah tangga sebulan (Rp)";"Pendapatan/Keuntungan usaha sebulan (Rp)";"Pengeluaran rumah tangga/Pengeluaran rumah tangga seminggu terakhir untuk padi-padian dan umbi-umbian (beras, jagung, ketela) (termasuk hasil sendiri dan pemberian, dinilai dengan harga pasar) (Rp)";"Pengeluaran rumah tangga/Pengeluaran rumah tangga seminggu terakhir untuk ikan, daging, telur dan susu (termasuk hasil sendiri dan pemberian, dinilai dengan harga pasar) (Rp)";"Pengeluaran rumah tangga/Pengeluaran rumah tangga seminggu terakhir untuk sayur, kacang-kacangan (tahu, tempe) dan buah (termasuk hasil sendiri dan pemberian, dinilai dengan harga pasar) (Rp)";"Pengeluaran rumah tangga/Pengeluaran rumah tangga seminggu terakhir untuk minyak, gula, bumbu dan bahan minuman (kopi, teh) (termasuk hasil sendiri dan pemberian, dinilai dengan harga pasar) (Rp)";"Pengeluaran rumah tangga/Pengeluaran rumah tangga seminggu terakhir untuk makanan dan minuman jadi (termasuk hasil sendiri dan pemberian, dinilai dengan harga pasar) (Rp)";"Pengeluaran rumah tangga/Pengeluaran rumah tangga seminggu terakhir untuk rokok dan tembakau (termasuk hasil sendiri dan pemberian, dinilai dengan harga pasar) (Rp)";"Pengeluaran rumah tangga/Pengeluaran rumah tangga sebulan terakhir untuk perumahan: sewa/kontrak, listrik, air, bahan bakar masak (Rp)";"Pengeluaran rumah tangga/Pengeluaran rumah tangga sebulan terakhir untuk transportasi (bensin, ongkos) dan komunikasi (pulsa, paket data) (Rp)";"Pengeluaran rumah tangga/Pengeluaran rumah tangga sebulan terakhir untuk barang dan jasa lain (sabun, perlengkapan mandi, kesehatan) (Rp)";"Pengeluaran rumah tangga/Pengeluaran rumah tangga 12 bulan terakhir untuk pendidikan (SPP, buku, seragam) (Rp)";"Pengeluaran rumah tangga/Pengeluaran rumah tangga 12 bulan terakhir untuk pakaian, alas kaki dan tutup kepala (Rp)";"Pengeluaran rumah tangga/Pengeluaran rumah tangga 12 bulan terakhir untuk barang tahan lama, pajak/iuran, pesta dan upacara (Rp)";"Kesadaran kritis/Saya tahu berapa besar Dana Desa yang diterima desa saya";"Kesadaran kritis/Saya ikut hadir dalam musyawarah desa";"Kesadaran kritis/Warga berhak meminta laporan penggunaan anggaran desa";"Kesadaran kritis/Saya akan melapor jika melihat penyalahgunaan dana desa";"Kesadaran kritis/Memberi uang pelicin untuk mengurus surat itu wajar";"Kesadaran kritis/Anak muda bisa mempengaruhi keputusan desa";"Kesadaran kritis/Saya membaca papan informasi APBDes di desa saya";"Kesadaran kritis/Urusan anggaran desa bukan urusan anak muda";"Kesadaran kritis/Saya membicarakan penggunaan anggaran desa dengan teman atau keluarga";"Kesadaran kritis/Menerima uang atau hadiah dari calon kepala desa itu hal biasa";"Keterangan wawancara/Tanggal wawancara";"Keterangan wawancara/Kode enumerator";"Keterangan wawancara/Lama wawancara (menit)";"_id";"_uuid";"_submission_time";"_validation_status";"_notes";"_status";"_submitted_by";"__version__";"_tags";"_index"
"2017-04-03T09:02:11.204+07:00";"2017-04-03T09:48:40.517+07:00";"2017-04-03";"collect:Rk3Jd8Qz1XbW7mNa";"0";"3322-C1-G01-01";"RT-3322-100101";"Agus Setiawan";"3322011205980001";"081234567801";"Kab. Semarang";"3322-C1-G01";"Perdesaan";"Laki-laki";"18";"SMA/SMK/sederajat";"4";"Belum kawin";"Ya";"";"";"";"";"";"40";"Tidak";"2500000";"";"70000";"50000";"40000";"30000";"25000";"35000";"350000";"150000";"80000";"1200000";"600000";"400000";"Setuju";"Ragu-ragu";"Sangat setuju";"Setuju";"Tidak setuju";"Setuju";"Ragu-ragu";"Sangat tidak setuju";"Setuju";"Tidak setuju";"2017-04-03";"ENUM-3322-01";"46.5";"51234567";"5f1c2a9e-8d3b-4c71-9a0e-2b6d4f8e1a01";"2017-04-03T02:50:12";"";"";"submitted_via_web";"";"vQ7sNkXw3pE9bTzLmR2dYc";"";"1"
"2017-04-03T10:05:30.010+07:00";"2017-04-03T10:41:02.880+07:00";"2017-04-03";"collect:Rk3Jd8Qz1XbW7mNa";"0";"3322-C1-G01-02";"RT-3322-100102";"Siti Rahayu";"3322015501000002";"";"Kab. Semarang";"3322-C1-G01";"Perdesaan";"Perempuan";"17";"SMP/sederajat";"5";"Belum kawin";"Tidak";"Tidak";"Ya";"Tidak";"";"Ya";"";"";"1800000";"";"60000";"30000";"35000";"20000";"15000";"0";"250000";"100000";"60000";"900000";"400000";"150000";"Tidak setuju";"Tidak setuju";"Setuju";"Ragu-ragu";"Setuju";"Sangat setuju";"Tidak tahu";"Tidak setuju";"Ragu-ragu";"Setuju";"2017-04-03";"ENUM-3322-01";"35.5";"51234601";"7a2e4c10-3f5d-4b8e-8c21-9e0f1a2b3c02";"2017-04-03T03:45:58";"";"";"submitted_via_web";"";"vQ7sNkXw3pE9bTzLmR2dYc";"";"2"
"2017-04-04T08:30:00.000+07:00";"2017-04-04T09:22:15.120+07:00";"2017-04-04";"collect:Zp8Lm2Vc4NtY6qRe";"0";"3322-C1-G01-03";"RT-3322-100103";"Dewi Lestari";"3322034208900003";"085600112233";"Kab. Semarang";"3322-C1-G01";"Perdesaan";"Perempuan";"26";"Diploma/Sarjana";"3";"Kawin";"Tidak";"Ya";"";"";"";"";"";"Ya";"3200000";"500000";"90000";"80000";"50000";"45000";"60000";"20000";"500000";"300000";"150000";"2400000";"1000000";"2500000";"Sangat setuju";"Setuju";"Sangat setuju";"Sangat setuju";"Sangat tidak setuju";"Setuju";"Setuju";"Sangat tidak setuju";"Setuju";"Tidak setuju";"2017-04-04";"ENUM-3322-02";"52.25";"51235002";"0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d03";"2017-04-04T02:30:41";"";"";"submitted_via_web";"";"vQ7sNkXw3pE9bTzLmR2dYc";"";"3"
"2017-04-04T13:10:45.900+07:00";"2017-04-04T13:58:01.300+07:00";"2017-04-04";"collect:Zp8Lm2Vc4NtY6qRe";"0";"3322-C1-G02-01";"RT-3322-200101";"Budi Santoso";"3322042011930004";"087811223344";"Kab. Semarang";"3322-C1-G02";"Perkotaan";"Laki-laki";"23";"SD/sederajat";"6";"Kawin";"Ya";"";"";"";"";"";"56";"Ya";"4000000";"1200000";"100000";"90000";"60000";"50000";"40000";"140000";"600000";"350000";"200000";"300000";"500000";"750000";"Ragu-ragu";"Tidak setuju";"Setuju";"Setuju";"Setuju";"Ragu-ragu";"Tidak setuju";"Ragu-ragu";"Tidak setuju";"Setuju";"2017-04-04";"ENUM-3322-02";"47";"51235090";"c4d3e2f1-a0b9-4c8d-8e7f-6a5b4c3d2e04";"2017-04-04T07:00:03";"";"";"submitted_via_web";"";"vQ7sNkXw3pE9bTzLmR2dYc";"";"4"
"2017-04-05T09:00:00.000+07:00";"2017-04-05T09:31:12.000+07:00";"2017-04-05";"collect:Rk3Jd8Qz1XbW7mNa";"0";"3322-C1-G02-02";"RT-3322-200102";"Rina Wulandari";"3322055003990005";"";"Kab. Semarang";"3322-C1-G02";"Perkotaan";"Menolak menjawab";"-99";"Tidak tahu";"7";"Belum kawin";"Tidak";"Tidak";"Tidak";"Tidak";"Masih sekolah";"Tidak";"";"";"-98";"";"80000";"40000";"30000";"25000";"10000";"-99";"300000";"90000";"50000";"1500000";"350000";"200000";"Menolak menjawab";"Sangat tidak setuju";"Ragu-ragu";"Ragu-ragu";"Ragu-ragu";"Tidak setuju";"Sangat tidak setuju";"Setuju";"Sangat tidak setuju";"Ragu-ragu";"2017-04-05";"ENUM-3322-01";"31.2";"51236110";"e5f4a3b2-c1d0-4e9f-8a7b-6c5d4e3f2a05";"2017-04-05T02:32:09";"";"";"submitted_via_web";"";"vQ7sNkXw3pE9bTzLmR2dYc";"";"5"
"2017-04-05T14:20:00.000+07:00";"2017-04-05T14:58:30.000+07:00";"2017-04-05";"collect:Zp8Lm2Vc4NtY6qRe";"0";"3322-C1-G02-03";"RT-3322-200103";"Sri Wahyuni";"3322066802870006";"081390001122";"Kab. Semarang";"3322-C1-G02";"Perkotaan";"Perempuan";"30";"Tidak tamat SD";"2";"Cerai mati";"Menolak menjawab";"";"";"";"";"";"";"";"900000";"";"40000";"20000";"30000";"15000";"5000";"0";"150000";"60000";"40000";"0";"120000";"100000";"Setuju";"Setuju";"Setuju";"Setuju";"Setuju";"Setuju";"Setuju";"Setuju";"Setuju";"Setuju";"2017-04-05";"ENUM-3322-02";"38";"51236188";"f6a5b4c3-d2e1-4f0a-9b8c-7d6e5f4a3b06";"2017-04-05T08:00:31";"";"";"submitted_via_web";"";"vQ7sNkXw3pE9bTzLmR2dYc";"";"6"
"""

KOBO_LABELS_EN = """\
"start";"end";"today";"deviceid";"Survey wave (0=baseline, 1=endline, 2=follow-up)";"Respondent identity/Respondent id";"Respondent identity/Household id";"Respondent identity/Respondent name";"Respondent identity/National ID number (NIK)";"Respondent identity/Phone number";"Location/District";"Location/Group id";"Location/BPS classification of the village of residence";"Background/Sex";"Background/Age (years)";"Background/Highest education";"Background/Household size";"Background/Marital status";"Activity in the past week (Sakernas)/Worked at least one hour for pay or profit in the past week";"Activity in the past week (Sakernas)/Has a job but temporarily absent";"Activity in the past week (Sakernas)/Looking for work";"Activity in the past week (Sakernas)/Preparing a business";"Activity in the past week (Sakernas)/Main reason for not looking for work or preparing a business";"Activity in the past week (Sakernas)/Available for work";"Activity in the past week (Sakernas)/Hours worked in the past week";"Activity in the past week (Sakernas)/Runs own business";"Income/Household monthly income (Rp)";"Income/Monthly business profit (Rp)";"Household expenditure/Household spending in the past week on cereals and tubers (rice, maize, cassava) (including own produce and gifts, valued at market prices) (Rp)";"Household expenditure/Household spending in the past week on fish, meat, eggs and milk (including own produce and gifts, valued at market prices) (Rp)";"Household expenditure/Household spending in the past week on vegetables, pulses (tofu, tempeh) and fruit (including own produce and gifts, valued at market prices) (Rp)";"Household expenditure/Household spending in the past week on oil, sugar, spices and beverage ingredients (coffee, tea) (including own produce and gifts, valued at market prices) (Rp)";"Household expenditure/Household spending in the past week on prepared food and drinks (including own produce and gifts, valued at market prices) (Rp)";"Household expenditure/Household spending in the past week on cigarettes and tobacco (including own produce and gifts, valued at market prices) (Rp)";"Household expenditure/Household spending in the past month on housing: rent, electricity, water, cooking fuel (Rp)";"Household expenditure/Household spending in the past month on transport (fuel, fares) and communication (phone credit, data) (Rp)";"Household expenditure/Household spending in the past month on other goods and services (soap, toiletries, health) (Rp)";"Household expenditure/Household spending in the past 12 months on education (fees, books, uniforms) (Rp)";"Household expenditure/Household spending in the past 12 months on clothing, footwear and headwear (Rp)";"Household expenditure/Household spending in the past 12 months on durable goods, taxes and fees, feasts and ceremonies (Rp)";"Critical awareness/I know how much Dana Desa my village receives";"Critical awareness/I attend the village deliberation meeting (musyawarah desa)";"Critical awareness/Citizens have the right to demand reports on village budget use";"Critical awareness/I would report misuse of village funds I witnessed";"Critical awareness/Paying a little extra to get documents processed is normal";"Critical awareness/Young people can influence village decisions";"Critical awareness/I read the village budget (APBDes) notice board";"Critical awareness/The village budget is no business of young people";"Critical awareness/I discuss how the village budget is spent with friends or family";"Critical awareness/Accepting money or gifts from village-head candidates is normal";"About the interview/Interview date";"About the interview/Enumerator id";"About the interview/Interview duration (minutes)";"_id";"_uuid";"_submission_time";"_validation_status";"_notes";"_status";"_submitted_by";"__version__";"_tags";"_index"
"2017-04-03T09:02:11.204+07:00";"2017-04-03T09:48:40.517+07:00";"2017-04-03";"collect:Rk3Jd8Qz1XbW7mNa";"0";"3322-C1-G01-01";"RT-3322-100101";"Agus Setiawan";"3322011205980001";"081234567801";"Kab. Semarang";"3322-C1-G01";"Rural";"Male";"18";"Senior secondary";"4";"Never married";"Yes";"";"";"";"";"";"40";"No";"2500000";"";"70000";"50000";"40000";"30000";"25000";"35000";"350000";"150000";"80000";"1200000";"600000";"400000";"Agree";"Neutral";"Strongly agree";"Agree";"Disagree";"Agree";"Neutral";"Strongly disagree";"Agree";"Disagree";"2017-04-03";"ENUM-3322-01";"46.5";"51234567";"5f1c2a9e-8d3b-4c71-9a0e-2b6d4f8e1a01";"2017-04-03T02:50:12";"";"";"submitted_via_web";"";"vQ7sNkXw3pE9bTzLmR2dYc";"";"1"
"2017-04-03T10:05:30.010+07:00";"2017-04-03T10:41:02.880+07:00";"2017-04-03";"collect:Rk3Jd8Qz1XbW7mNa";"0";"3322-C1-G01-02";"RT-3322-100102";"Siti Rahayu";"3322015501000002";"";"Kab. Semarang";"3322-C1-G01";"Rural";"Female";"17";"Junior secondary";"5";"Never married";"No";"No";"Yes";"No";"";"Yes";"";"";"1800000";"";"60000";"30000";"35000";"20000";"15000";"0";"250000";"100000";"60000";"900000";"400000";"150000";"Disagree";"Disagree";"Agree";"Neutral";"Agree";"Strongly agree";"Don't know";"Disagree";"Neutral";"Agree";"2017-04-03";"ENUM-3322-01";"35.5";"51234601";"7a2e4c10-3f5d-4b8e-8c21-9e0f1a2b3c02";"2017-04-03T03:45:58";"";"";"submitted_via_web";"";"vQ7sNkXw3pE9bTzLmR2dYc";"";"2"
"2017-04-04T08:30:00.000+07:00";"2017-04-04T09:22:15.120+07:00";"2017-04-04";"collect:Zp8Lm2Vc4NtY6qRe";"0";"3322-C1-G01-03";"RT-3322-100103";"Dewi Lestari";"3322034208900003";"085600112233";"Kab. Semarang";"3322-C1-G01";"Rural";"Female";"26";"Diploma or university";"3";"Married";"No";"Yes";"";"";"";"";"";"Yes";"3200000";"500000";"90000";"80000";"50000";"45000";"60000";"20000";"500000";"300000";"150000";"2400000";"1000000";"2500000";"Strongly agree";"Agree";"Strongly agree";"Strongly agree";"Strongly disagree";"Agree";"Agree";"Strongly disagree";"Agree";"Disagree";"2017-04-04";"ENUM-3322-02";"52.25";"51235002";"0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d03";"2017-04-04T02:30:41";"";"";"submitted_via_web";"";"vQ7sNkXw3pE9bTzLmR2dYc";"";"3"
"2017-04-04T13:10:45.900+07:00";"2017-04-04T13:58:01.300+07:00";"2017-04-04";"collect:Zp8Lm2Vc4NtY6qRe";"0";"3322-C1-G02-01";"RT-3322-200101";"Budi Santoso";"3322042011930004";"087811223344";"Kab. Semarang";"3322-C1-G02";"Urban";"Male";"23";"Primary";"6";"Married";"Yes";"";"";"";"";"";"56";"Yes";"4000000";"1200000";"100000";"90000";"60000";"50000";"40000";"140000";"600000";"350000";"200000";"300000";"500000";"750000";"Neutral";"Disagree";"Agree";"Agree";"Agree";"Neutral";"Disagree";"Neutral";"Disagree";"Agree";"2017-04-04";"ENUM-3322-02";"47";"51235090";"c4d3e2f1-a0b9-4c8d-8e7f-6a5b4c3d2e04";"2017-04-04T07:00:03";"";"";"submitted_via_web";"";"vQ7sNkXw3pE9bTzLmR2dYc";"";"4"
"2017-04-05T09:00:00.000+07:00";"2017-04-05T09:31:12.000+07:00";"2017-04-05";"collect:Rk3Jd8Qz1XbW7mNa";"0";"3322-C1-G02-02";"RT-3322-200102";"Rina Wulandari";"3322055003990005";"";"Kab. Semarang";"3322-C1-G02";"Urban";"Refused";"-99";"Don't know";"7";"Never married";"No";"No";"No";"No";"In school";"No";"";"";"-98";"";"80000";"40000";"30000";"25000";"10000";"-99";"300000";"90000";"50000";"1500000";"350000";"200000";"Refused";"Strongly disagree";"Neutral";"Neutral";"Neutral";"Disagree";"Strongly disagree";"Agree";"Strongly disagree";"Neutral";"2017-04-05";"ENUM-3322-01";"31.2";"51236110";"e5f4a3b2-c1d0-4e9f-8a7b-6c5d4e3f2a05";"2017-04-05T02:32:09";"";"";"submitted_via_web";"";"vQ7sNkXw3pE9bTzLmR2dYc";"";"5"
"2017-04-05T14:20:00.000+07:00";"2017-04-05T14:58:30.000+07:00";"2017-04-05";"collect:Zp8Lm2Vc4NtY6qRe";"0";"3322-C1-G02-03";"RT-3322-200103";"Sri Wahyuni";"3322066802870006";"081390001122";"Kab. Semarang";"3322-C1-G02";"Urban";"Female";"30";"Did not finish primary";"2";"Widowed";"Refused";"";"";"";"";"";"";"";"900000";"";"40000";"20000";"30000";"15000";"5000";"0";"150000";"60000";"40000";"0";"120000";"100000";"Agree";"Agree";"Agree";"Agree";"Agree";"Agree";"Agree";"Agree";"Agree";"Agree";"2017-04-05";"ENUM-3322-02";"38";"51236188";"f6a5b4c3-d2e1-4f0a-9b8c-7d6e5f4a3b06";"2017-04-05T08:00:31";"";"";"submitted_via_web";"";"vQ7sNkXw3pE9bTzLmR2dYc";"";"6"
"""

ODK_CENTRAL = """\
SubmissionDate,start,end,today,deviceid,gelombang,identitas-id_responden,identitas-id_rumah_tangga,identitas-nama_responden,identitas-nik,identitas-no_hp,lokasi-kabupaten_kota,lokasi-id_kelompok,lokasi-perkotaan_perdesaan,latar-jenis_kelamin,latar-umur,latar-pendidikan,latar-jumlah_art,latar-status_kawin,kerja-r1_bekerja_seminggu,kerja-r2_sementara_tidak_bekerja,kerja-r3_mencari_pekerjaan,kerja-r4_mempersiapkan_usaha,kerja-r4a_alasan_tidak_mencari,kerja-r5_bersedia_bekerja,kerja-r6_jam_kerja,kerja-r7_usaha_sendiri,pendapatan-pendapatan_rumah_tangga,pendapatan-keuntungan_usaha,konsumsi-k01_padi_umbi,konsumsi-k02_ikan_daging_telur_susu,konsumsi-k03_sayur_kacang_buah,konsumsi-k04_minyak_gula_bumbu,konsumsi-k05_makanan_jadi,konsumsi-k06_rokok,konsumsi-k07_perumahan,konsumsi-k08_transportasi_komunikasi,konsumsi-k09_barang_jasa,konsumsi-k10_pendidikan,konsumsi-k11_pakaian,konsumsi-k12_barang_tahan_lama_pesta,kesadaran-ks01_tahu_dana_desa,kesadaran-ks02_hadir_musdes,kesadaran-ks03_hak_laporan_anggaran,kesadaran-ks04_lapor_penyalahgunaan,kesadaran-ks05_uang_pelicin_wajar,kesadaran-ks06_pemuda_berpengaruh,kesadaran-ks07_ikuti_apbdes,kesadaran-ks08_anggaran_bukan_urusan_pemuda,kesadaran-ks09_diskusi_anggaran,kesadaran-ks10_hadiah_pilkades_biasa,wawancara-tanggal_wawancara,wawancara-kode_enumerator,wawancara-durasi_menit,meta-instanceID,KEY,SubmitterID,SubmitterName,AttachmentsPresent,AttachmentsExpected,Status,ReviewState,DeviceID,Edits,FormVersion
2017-04-03T02:50:12.345Z,2017-04-03T09:02:11.204+07:00,2017-04-03T09:48:40.517+07:00,2017-04-03,collect:Rk3Jd8Qz1XbW7mNa,0,3322-C1-G01-01,RT-3322-100101,Agus Setiawan,3322011205980001,081234567801,3322,3322-C1-G01,perdesaan,laki_laki,18,sma,4,belum_kawin,ya,,,,,,40,tidak,2500000,,70000,50000,40000,30000,25000,35000,350000,150000,80000,1200000,600000,400000,setuju,ragu_ragu,sangat_setuju,setuju,tidak_setuju,setuju,ragu_ragu,sangat_tidak_setuju,setuju,tidak_setuju,2017-04-03,ENUM-3322-01,46.5,uuid:5f1c2a9e-8d3b-4c71-9a0e-2b6d4f8e1a01,uuid:5f1c2a9e-8d3b-4c71-9a0e-2b6d4f8e1a01,9,enum02,0,0,,approved,collect:Rk3Jd8Qz1XbW7mNa,0,2026.11.1
2017-04-03T03:45:58.901Z,2017-04-03T10:05:30.010+07:00,2017-04-03T10:41:02.880+07:00,2017-04-03,collect:Rk3Jd8Qz1XbW7mNa,0,3322-C1-G01-02,RT-3322-100102,Siti Rahayu,3322015501000002,,3322,3322-C1-G01,perdesaan,perempuan,17,smp,5,belum_kawin,tidak,tidak,ya,tidak,,ya,,,1800000,,60000,30000,35000,20000,15000,0,250000,100000,60000,900000,400000,150000,tidak_setuju,tidak_setuju,setuju,ragu_ragu,setuju,sangat_setuju,tidak_tahu,tidak_setuju,ragu_ragu,setuju,2017-04-03,ENUM-3322-01,35.5,uuid:7a2e4c10-3f5d-4b8e-8c21-9e0f1a2b3c02,uuid:7a2e4c10-3f5d-4b8e-8c21-9e0f1a2b3c02,7,enum01,0,0,,,collect:Rk3Jd8Qz1XbW7mNa,0,2026.11.1
2017-04-04T02:30:41.002Z,2017-04-04T08:30:00.000+07:00,2017-04-04T09:22:15.120+07:00,2017-04-04,collect:Zp8Lm2Vc4NtY6qRe,0,3322-C1-G01-03,RT-3322-100103,Dewi Lestari,3322034208900003,085600112233,3322,3322-C1-G01,perdesaan,perempuan,26,diploma_sarjana,3,kawin,tidak,ya,,,,,,ya,3200000,500000,90000,80000,50000,45000,60000,20000,500000,300000,150000,2400000,1000000,2500000,sangat_setuju,setuju,sangat_setuju,sangat_setuju,sangat_tidak_setuju,setuju,setuju,sangat_tidak_setuju,setuju,tidak_setuju,2017-04-04,ENUM-3322-02,52.25,uuid:0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d03,uuid:0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d03,9,enum02,0,0,,,collect:Zp8Lm2Vc4NtY6qRe,0,2026.11.1
2017-04-04T07:00:03.777Z,2017-04-04T13:10:45.900+07:00,2017-04-04T13:58:01.300+07:00,2017-04-04,collect:Zp8Lm2Vc4NtY6qRe,0,3322-C1-G02-01,RT-3322-200101,Budi Santoso,3322042011930004,087811223344,3322,3322-C1-G02,perkotaan,laki_laki,23,sd,6,kawin,ya,,,,,,56,ya,4000000,1200000,100000,90000,60000,50000,40000,140000,600000,350000,200000,300000,500000,750000,ragu_ragu,tidak_setuju,setuju,setuju,setuju,ragu_ragu,tidak_setuju,ragu_ragu,tidak_setuju,setuju,2017-04-04,ENUM-3322-02,47,uuid:c4d3e2f1-a0b9-4c8d-8e7f-6a5b4c3d2e04,uuid:c4d3e2f1-a0b9-4c8d-8e7f-6a5b4c3d2e04,7,enum01,0,0,,,collect:Zp8Lm2Vc4NtY6qRe,0,2026.11.1
2017-04-05T02:32:09.120Z,2017-04-05T09:00:00.000+07:00,2017-04-05T09:31:12.000+07:00,2017-04-05,collect:Rk3Jd8Qz1XbW7mNa,0,3322-C1-G02-02,RT-3322-200102,Rina Wulandari,3322055003990005,,3322,3322-C1-G02,perkotaan,menolak,-99,tidak_tahu,7,belum_kawin,tidak,tidak,tidak,tidak,sekolah,tidak,,,-98,,80000,40000,30000,25000,10000,-99,300000,90000,50000,1500000,350000,200000,menolak,sangat_tidak_setuju,ragu_ragu,ragu_ragu,ragu_ragu,tidak_setuju,sangat_tidak_setuju,setuju,sangat_tidak_setuju,ragu_ragu,2017-04-05,ENUM-3322-01,31.2,uuid:e5f4a3b2-c1d0-4e9f-8a7b-6c5d4e3f2a05,uuid:e5f4a3b2-c1d0-4e9f-8a7b-6c5d4e3f2a05,9,enum02,0,0,,,collect:Rk3Jd8Qz1XbW7mNa,0,2026.11.1
2017-04-05T08:00:31.650Z,2017-04-05T14:20:00.000+07:00,2017-04-05T14:58:30.000+07:00,2017-04-05,collect:Zp8Lm2Vc4NtY6qRe,0,3322-C1-G02-03,RT-3322-200103,Sri Wahyuni,3322066802870006,081390001122,3322,3322-C1-G02,perkotaan,perempuan,30,tidak_tamat_sd,2,cerai_mati,menolak,,,,,,,,900000,,40000,20000,30000,15000,5000,0,150000,60000,40000,0,120000,100000,setuju,setuju,setuju,setuju,setuju,setuju,setuju,setuju,setuju,setuju,2017-04-05,ENUM-3322-02,38,uuid:f6a5b4c3-d2e1-4f0a-9b8c-7d6e5f4a3b06,uuid:f6a5b4c3-d2e1-4f0a-9b8c-7d6e5f4a3b06,7,enum01,0,0,,,collect:Zp8Lm2Vc4NtY6qRe,0,2026.11.1
"""

# ------------------------------------------------------------------------- expected panel values
NA = None
# fmt: off
EXPECTED_COLUMNS = (
    "respondent_id", "household_id", "group_id", "district_code", "arm", "wave", "sex", "age",
    "education", "household_size", "marital_status", "worked_last_week", "temp_absent",
    "looking_for_work", "preparing_business", "reason_not_seeking", "available_for_work",
    "hours_worked", "own_business", "household_income", "business_profit", "urban_rural",
    "food_cereals_week", "food_protein_week", "food_vegetables_fruit_week",
    "food_oil_sugar_spices_week", "food_prepared_week", "food_tobacco_week",
    "nonfood_housing_month", "nonfood_transport_comm_month", "nonfood_goods_services_month",
    "nonfood_education_year", "nonfood_clothing_year", "nonfood_durables_ceremonies_year",
    "ca01_know_dana_desa", "ca02_attend_musdes", "ca03_right_budget_report", "ca04_report_misuse",
    "ca05_petty_bribe_ok", "ca06_youth_efficacy", "ca07_follow_apbdes", "ca08_budget_not_youth",
    "ca09_discuss_budget", "ca10_gift_vote_ok", "interview_date", "enumerator_id", "duration_min",
    "submission_id",
)
EXPECTED = (
    ("3322-C1-G01-01", "RT-3322-100101", "3322-C1-G01", "3322", "kontrol", "baseline", "male", 18,
     "senior_secondary", 4, "never_married", True, NA,
     NA, NA, NA, NA,
     40, False, 2500000, NA, "rural",
     70000, 50000, 40000, 30000, 25000, 35000,
     350000, 150000, 80000, 1200000, 600000, 400000,
     4, 3, 5, 4, 2, 4, 3, 1, 4, 2,
     dt.datetime(2017, 4, 3), "ENUM-3322-01", 46.5, "5f1c2a9e-8d3b-4c71-9a0e-2b6d4f8e1a01"),
    ("3322-C1-G01-02", "RT-3322-100102", "3322-C1-G01", "3322", "kontrol", "baseline", "female", 17,
     "junior_secondary", 5, "never_married", False, False,
     True, False, NA, True,
     NA, NA, 1800000, NA, "rural",
     60000, 30000, 35000, 20000, 15000, 0,
     250000, 100000, 60000, 900000, 400000, 150000,
     2, 2, 4, 3, 4, 5, NA, 2, 3, 4,  # ks07 tidak_tahu
     dt.datetime(2017, 4, 3), "ENUM-3322-01", 35.5, "7a2e4c10-3f5d-4b8e-8c21-9e0f1a2b3c02"),
    ("3322-C1-G01-03", "RT-3322-100103", "3322-C1-G01", "3322", "kontrol", "baseline", "female", 26,
     "tertiary", 3, "married", False, True,
     NA, NA, NA, NA,
     NA, True, 3200000, 500000, "rural",
     90000, 80000, 50000, 45000, 60000, 20000,
     500000, 300000, 150000, 2400000, 1000000, 2500000,
     5, 4, 5, 5, 1, 4, 4, 1, 4, 2,
     dt.datetime(2017, 4, 4), "ENUM-3322-02", 52.25, "0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d03"),
    ("3322-C1-G02-01", "RT-3322-200101", "3322-C1-G02", "3322", "pendampingan", "baseline", "male",
     23, "primary", 6, "married", True, NA,
     NA, NA, NA, NA,
     56, True, 4000000, 1200000, "urban",
     100000, 90000, 60000, 50000, 40000, 140000,
     600000, 350000, 200000, 300000, 500000, 750000,
     3, 2, 4, 4, 4, 3, 2, 3, 2, 4,
     dt.datetime(2017, 4, 4), "ENUM-3322-02", 47.0, "c4d3e2f1-a0b9-4c8d-8e7f-6a5b4c3d2e04"),
    # sex refused (menolak), age -99, education tidak_tahu, income -98, tobacco -99
    ("3322-C1-G02-02", "RT-3322-200102", "3322-C1-G02", "3322", "pendampingan", "baseline", NA, NA,
     NA, 7, "never_married", False, False,
     False, False, "in_school", False,
     NA, NA, NA, NA, "urban",
     80000, 40000, 30000, 25000, 10000, NA,
     300000, 90000, 50000, 1500000, 350000, 200000,
     NA, 1, 3, 3, 3, 2, 1, 4, 1, 3,  # ks01 menolak
     dt.datetime(2017, 4, 5), "ENUM-3322-01", 31.2, "e5f4a3b2-c1d0-4e9f-8a7b-6c5d4e3f2a05"),
    # r1 refused: the rest of the labour block is not asked
    ("3322-C1-G02-03", "RT-3322-200103", "3322-C1-G02", "3322", "pendampingan", "baseline",
     "female", 30, "none", 2, "widowed", NA, NA,
     NA, NA, NA, NA,
     NA, NA, 900000, NA, "urban",
     40000, 20000, 30000, 15000, 5000, 0,
     150000, 60000, 40000, 0, 120000, 100000,
     4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
     dt.datetime(2017, 4, 5), "ENUM-3322-02", 38.0, "f6a5b4c3-d2e1-4f0a-9b8c-7d6e5f4a3b06"),
)
# _submission_time (KoboToolbox: UTC, no offset) and SubmissionDate (ODK Central: UTC, "Z")
KOBO_TIMES = (dt.datetime(2017, 4, 3, 2, 50, 12), dt.datetime(2017, 4, 3, 3, 45, 58),
              dt.datetime(2017, 4, 4, 2, 30, 41), dt.datetime(2017, 4, 4, 7, 0, 3),
              dt.datetime(2017, 4, 5, 2, 32, 9), dt.datetime(2017, 4, 5, 8, 0, 31))
ODK_TIMES = (dt.datetime(2017, 4, 3, 2, 50, 12, 345000), dt.datetime(2017, 4, 3, 3, 45, 58, 901000),
             dt.datetime(2017, 4, 4, 2, 30, 41, 2000), dt.datetime(2017, 4, 4, 7, 0, 3, 777000),
             dt.datetime(2017, 4, 5, 2, 32, 9, 120000), dt.datetime(2017, 4, 5, 8, 0, 31, 650000))
# fmt: on


# ------------------------------------------------------------------------------------- helpers
@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.setenv("JBP_SECRET", SECRET)
    monkeypatch.setenv("JBP_STUDY", str(resolve_study()))


def _xlsx_from(text: str, path: Path) -> None:
    """A KoboToolbox XLSX export of the same submissions: numbers as numbers, dates as dates."""
    import openpyxl

    numbers = {"gelombang", "latar/umur", "latar/jumlah_art", "kerja/r6_jam_kerja", "_id",
               "_index", "pendapatan/pendapatan_rumah_tangga", "pendapatan/keuntungan_usaha",
               "wawancara/durasi_menit"}  # fmt: skip
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "JBP responden"
    ws.append(rows[0])
    for row in rows[1:]:
        cells = []
        for header, value in zip(rows[0], row, strict=True):
            if value == "":
                cells.append(None)
            elif header in numbers or header.startswith("konsumsi/"):
                cells.append(float(value) if "." in value else int(value))
            elif header in ("today", "wawancara/tanggal_wawancara"):
                cells.append(dt.date.fromisoformat(value))
            elif header == "_submission_time":
                cells.append(dt.datetime.fromisoformat(value))
            else:
                cells.append(value)
        ws.append(cells)
    wb.save(path)


def _raw(tmp_path: Path, name: str, text: str | None, *, xlsx: bool = False) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "penugasan_kelompok.csv").write_text(ASSIGNMENT, encoding="utf-8")
    if xlsx:
        _xlsx_from(text, raw / name)
    else:
        (raw / name).write_text(text, encoding="utf-8")
    return raw


def _run(capsys, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out + out.err


def _same(a, b) -> bool:
    if a is None or (not isinstance(a, str) and pd.isna(a)):
        return b is None or (not isinstance(b, str) and pd.isna(b))
    if b is None or (not isinstance(b, str) and pd.isna(b)):
        return False
    if isinstance(b, dt.datetime):
        return pd.Timestamp(a) == pd.Timestamp(b)
    if isinstance(b, bool):
        return isinstance(a, bool | np.bool_) and bool(a) == b
    if isinstance(b, str):
        return isinstance(a, str) and a == b
    return not isinstance(a, bool | np.bool_ | str) and a == b


def _assert_panel(out: Path, times: tuple[dt.datetime, ...]) -> None:
    panel = pd.read_parquet(out / "panel.parquet")
    got = panel[panel["responded"]].sort_values("respondent_id").reset_index(drop=True)
    assert len(got) == len(EXPECTED)
    wrong = []
    for i, row in enumerate(EXPECTED):
        for col, want in zip(EXPECTED_COLUMNS, row, strict=True):
            have = got.at[i, col]
            if not _same(have, want):
                wrong.append(f"{row[0]} {col}: got {have!r}, expected {want!r}")
        if not _same(got.at[i, "submission_time"], times[i]):
            wrong.append(f"{row[0]} submission_time: {got.at[i, 'submission_time']!r}")
    assert not wrong, "\n".join(wrong)
    # the typed representation, not only equal-looking values
    assert str(got["worked_last_week"].dtype) == "boolean" and got["age"].dtype == "Int64"
    assert isinstance(got["sex"].dtype, pd.CategoricalDtype)


FLAVOURS = {
    "kobo-xml": (KOBO_CSV, KOBO_XML, False, KOBO_TIMES),
    "kobo-labels-id": (KOBO_LABELS_CSV, KOBO_LABELS_ID, False, KOBO_TIMES),
    "kobo-labels-en": (KOBO_LABELS_CSV, KOBO_LABELS_EN, False, KOBO_TIMES),
    "odk-central": (ODK_CSV, ODK_CENTRAL, False, ODK_TIMES),
    "kobo-xlsx": (KOBO_XLSX, KOBO_XML, True, KOBO_TIMES),
}


# --------------------------------------------------------------------------------------- tests
def test_the_exports_are_what_the_tools_write() -> None:
    """The literals themselves: separators, quoting, paths and meta columns as typed."""
    kobo = list(csv.reader(io.StringIO(KOBO_XML), delimiter=";"))
    assert KOBO_XML.startswith('"start";"end";"today";"deviceid";"gelombang"')
    assert kobo[0][-10:] == ["_id", "_uuid", "_submission_time", "_validation_status", "_notes",
                             "_status", "_submitted_by", "__version__", "_tags", "_index"]  # fmt: skip
    assert {len(r) for r in kobo} == {len(kobo[0])} and len(kobo) == 7
    assert "latar/jenis_kelamin" in kobo[0] and "wawancara/tanggal_wawancara" in kobo[0]
    for text in (KOBO_LABELS_ID, KOBO_LABELS_EN):
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
        assert {len(r) for r in rows} == {len(kobo[0])}
    assert "Latar belakang/Jenis kelamin" in KOBO_LABELS_ID and '"Laki-laki"' in KOBO_LABELS_ID
    assert "Background/Sex" in KOBO_LABELS_EN and '"Don\'t know"' in KOBO_LABELS_EN
    odk = list(csv.reader(io.StringIO(ODK_CENTRAL)))
    assert odk[0][0] == "SubmissionDate" and "latar-jenis_kelamin" in odk[0]
    assert odk[0][-11:] == ["meta-instanceID", "KEY", "SubmitterID", "SubmitterName",
                            "AttachmentsPresent", "AttachmentsExpected", "Status", "ReviewState",
                            "DeviceID", "Edits", "FormVersion"]  # fmt: skip
    assert {len(r) for r in odk} == {len(odk[0])} and len(odk) == 7
    assert all(r[odk[0].index("meta-instanceID")].startswith("uuid:") for r in odk[1:])


@pytest.mark.parametrize("flavour", list(FLAVOURS))
def test_handmade_export_checks_and_cleans_to_the_typed_values(tmp_path, capsys, flavour):
    name, text, xlsx, times = FLAVOURS[flavour]
    raw = _raw(tmp_path, name, text, xlsx=xlsx)
    rc, msg = _run(capsys, "check", "--raw", str(raw))
    assert rc == 0, msg
    assert "No problems" in msg
    out = tmp_path / "out"
    rc, msg = _run(capsys, "clean", "--raw", str(raw), "--out", str(out))
    assert rc == 0, msg
    assert "unread 0 of" in msg and "every value of every column was read" in msg
    _assert_panel(out, times)


@pytest.mark.parametrize(
    ("flavour", "old", "new", "header"),
    [
        ("kobo-xml", '"perempuan";"17"', '"perempuan_x";"17"', "latar/jenis_kelamin"),
        ("kobo-labels-en", '"Female";"17"', '"Femalex";"17"', "Background/Sex"),
        ("odk-central", ",perempuan,17,", ",perempuan_x,17,", "latar-jenis_kelamin"),
        ("kobo-xlsx", '"perempuan";"17"', '"perempuan_x";"17"', "latar/jenis_kelamin"),
    ],
)
def test_an_answer_that_is_no_choice_stops_the_run(tmp_path, capsys, flavour, old, new, header):
    name, text, xlsx, _ = FLAVOURS[flavour]
    assert text.count(old) == 1
    raw = _raw(tmp_path, name, text.replace(old, new), xlsx=xlsx)
    value = new.split(",")[1] if flavour == "odk-central" else new.split(";")[0].strip('"')
    for args in (("check", "--raw", str(raw)),
                 ("clean", "--raw", str(raw), "--out", str(tmp_path / "out"))):  # fmt: skip
        rc, msg = _run(capsys, *args)
        assert rc == 2, msg
        assert name in msg and header in msg and value in msg, msg
    assert not (tmp_path / "out").exists()


def test_kobo_export_without_groups_in_headers_is_refused_naming_the_columns(tmp_path, capsys):
    """KoboToolbox can export without "Include groups in headers": bare question names. A
    header is matched only by its full path or an alias (issue 9), so the run must stop, name
    the missing columns and the bare headers, and point to the aliases file; never a silent
    loss."""
    rows = list(csv.reader(io.StringIO(KOBO_XML), delimiter=";"))
    rows[0] = [h.split("/")[-1] for h in rows[0]]
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    raw = _raw(tmp_path, KOBO_CSV, buf.getvalue())
    for args in (("check", "--raw", str(raw)),
                 ("clean", "--raw", str(raw), "--out", str(tmp_path / "out"))):  # fmt: skip
        rc, msg = _run(capsys, *args)
        assert rc == 2, msg
        assert KOBO_CSV in msg and "latar/jenis_kelamin" in msg and "'jenis_kelamin'" in msg, msg
        assert "aliases.yaml" in msg
    assert not (tmp_path / "out").exists()
