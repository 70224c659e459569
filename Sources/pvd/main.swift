print("pvd")
