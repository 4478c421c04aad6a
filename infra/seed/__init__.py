"""Seed data of the local stack and its tooling (the national list: `infra.seed.national_list`)."""
