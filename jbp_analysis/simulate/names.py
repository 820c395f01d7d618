"""Built-in Indonesian (mostly Javanese) personal names for simulated respondents.

Common given names and second names by sex, enough for realistic-looking rosters. No download and
no real person: a name is a random given name, followed (in most cases) by a random second name of
the same sex. Two given names carry an accent (André, Renée) so that Latin-1 and UTF-8 exports
differ in bytes, as real exports do.
"""

from __future__ import annotations

__all__ = ["MALE_GIVEN", "FEMALE_GIVEN", "MALE_SECOND", "FEMALE_SECOND"]

MALE_GIVEN: tuple[str, ...] = (
    "Agus", "Ahmad", "Andi", "André", "Arif", "Bagus", "Bambang", "Budi", "Dimas", "Dwi",
    "Eko", "Fajar", "Fikri", "Galih", "Hadi", "Hendra", "Ilham", "Imam", "Joko", "Kurniawan",
    "Lukman", "Muhammad", "Nur", "Rizki", "Rudi", "Slamet", "Teguh", "Tri", "Wahyu", "Yoga",
    "Yusuf", "Aditya", "Bayu", "Danang", "Gilang", "Rahmat", "Sigit", "Taufik", "Wawan", "Zainal",
)  # fmt: skip
FEMALE_GIVEN: tuple[str, ...] = (
    "Ayu", "Dewi", "Dian", "Dwi", "Eka", "Endang", "Fitri", "Indah", "Intan", "Kartika",
    "Lestari", "Lina", "Maya", "Nur", "Nurul", "Puji", "Putri", "Ratna", "Renée", "Rina",
    "Rini", "Siti", "Sri", "Tri", "Umi", "Wulan", "Yuni", "Anisa", "Dyah", "Fatimah",
    "Isnaini", "Khoirunnisa", "Mega", "Novi", "Retno", "Sari", "Tutik", "Wahyuni", "Yulia", "Zahra",
)  # fmt: skip
MALE_SECOND: tuple[str, ...] = (
    "Santoso", "Prasetyo", "Wibowo", "Saputra", "Nugroho", "Setiawan", "Hidayat", "Purnomo",
    "Kurniawan", "Susilo", "Hartono", "Wijaya", "Firmansyah", "Ramadhan", "Pratama", "Utomo",
    "Sulistyo", "Hermawan", "Budiman", "Maulana",
)  # fmt: skip
FEMALE_SECOND: tuple[str, ...] = (
    "Lestari", "Wulandari", "Rahayu", "Handayani", "Saputri", "Puspitasari", "Kurniasih",
    "Susanti", "Wahyuningsih", "Rahmawati", "Fitriani", "Anggraini", "Permatasari", "Maharani",
    "Setyaningsih", "Nurhayati", "Utami", "Safitri", "Kusumawati", "Pratiwi",
)  # fmt: skip
