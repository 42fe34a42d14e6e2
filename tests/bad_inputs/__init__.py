"""Bad inputs: a catalogue of hostile or broken files and calls, and what each must do."""
