"""Atlas: a payments and communications platform, the lab's held-out world (see world.yaml)."""
