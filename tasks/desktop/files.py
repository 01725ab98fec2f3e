TASKS: dict = {}
