"""What is said and when: the phrase packs, the script and the sample-exact timeline."""
