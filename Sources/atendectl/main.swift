print("atendectl: not yet")
